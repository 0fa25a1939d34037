/** Test helpers: a small reader for the generator's own output layout, and an independent device checker. */
import { createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, X509Certificate, type KeyObject } from 'node:crypto';

export interface GenDevice {
  fields: Record<string, string>;
}
export interface GenInstallation {
  id: string;
  body: string;
  devices: GenDevice[];
}

export function readInstallations(xml: string): GenInstallation[] {
  const out: GenInstallation[] = [];
  for (const m of xml.matchAll(/<Installation id="([^"]*)">([\s\S]*?)<\/Installation>/g)) {
    const devices = [...m[2]!.matchAll(/<Device>([\s\S]*?)<\/Device>/g)].map((d) => {
      const fields: Record<string, string> = {};
      for (const f of d[1]!.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) fields[f[1]!] = f[2]!;
      return { fields };
    });
    out.push({ id: m[1]!, body: m[2]!, devices });
  }
  return out;
}

/** The file without its key-derived data: certificate, credential and signature texts blanked. */
export function skeleton(xml: string): string {
  return xml.replace(/<(Certificate|Credential|Signature)>[^<]*</g, '<$1>~<');
}

const KU_DS = '300e0603551d0f0101ff040403020780';
const KU_KA = '300e0603551d0f0101ff040403020308';

/** Independent re-implementation of the crypto checks, enough to confirm what gen injected. */
export function cryptoCodes(
  device: Record<string, string>,
  caKey: KeyObject,
  s1spKey: KeyObject,
  createdAtMs: number,
): string[] {
  const codes: string[] = [];
  const id = (device['DeviceID'] ?? '').replaceAll('-', '').toLowerCase();
  const type = device['DeviceType'];
  if (device['Certificate'] !== undefined) {
    const der = Buffer.from(device['Certificate'], 'base64');
    const declared = der[1] === 0x82 ? 4 + der.readUInt16BE(2) : -1;
    if (declared !== der.length) codes.push('DEV_CERT_MALFORMED');
    else {
      const cert = new X509Certificate(der);
      const hex = der.toString('hex');
      const san = hex.indexOf('0603551d11');
      const profileOk =
        (hex.includes(KU_DS) !== hex.includes(KU_KA)) &&
        hex.slice(san + 10, san + 16) === '0101ff' &&
        cert.publicKey.export({ type: 'spki', format: 'der' }).length === 91 &&
        der.includes(Buffer.from('034200', 'hex'));
      if (!profileOk) codes.push('DEV_CERT_PROFILE');
      if (!cert.verify(caKey)) codes.push('DEV_CERT_UNTRUSTED');
      const serial = hex.slice(san).match(/0408([0-9a-f]{16})/)?.[1];
      if (serial !== id) codes.push('DEV_CERT_ID_MISMATCH');
      if (!(Date.parse(cert.validFrom) <= createdAtMs && createdAtMs <= Date.parse(cert.validTo))) codes.push('DEV_CERT_EXPIRED');
    }
  }
  if (device['Credential'] !== undefined) {
    const blob = Buffer.from(device['Credential'], 'base64');
    const epk = blob.subarray(0, 65);
    const jwk = { kty: 'EC', crv: 'P-256', x: epk.subarray(1, 33).toString('base64url'), y: epk.subarray(33).toString('base64url') };
    const z = diffieHellman({ privateKey: s1spKey, publicKey: createPublicKey({ key: jwk, format: 'jwk' }) });
    const k = Buffer.from(hkdfSync('sha256', z, Buffer.alloc(0), `s1mig-credential-v1:${id}`, 32));
    const d = createDecipheriv('aes-256-gcm', k, blob.subarray(65, 77));
    d.setAAD(Buffer.from(id, 'ascii'));
    d.setAuthTag(blob.subarray(blob.length - 16));
    try {
      const pt = JSON.parse(Buffer.concat([d.update(blob.subarray(77, blob.length - 16)), d.final()]).toString('utf8')) as Record<string, unknown>;
      const need = type === 'CHF' ? 'network' : type === 'ESME' || type === 'GSME' ? 'master' : null;
      if (need !== null && !(typeof pt[need] === 'string' && /^[0-9a-fA-F]{32}$/.test(pt[need] as string))) codes.push('DEV_CREDENTIAL_INCOMPLETE');
    } catch {
      codes.push('DEV_CREDENTIAL_INVALID');
    }
  }
  return codes;
}

export function loadKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}
