/**
 * Test-only certificate builder: a few lines of DER encoding, independent of the product's
 * parser, to make certificates that break exactly one profile rule at a time.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export function tlv(tag: number, content: Uint8Array): Buffer {
  const len = content.length;
  let header: number[];
  if (len < 0x80) header = [tag, len];
  else if (len < 0x100) header = [tag, 0x81, len];
  else header = [tag, 0x82, len >> 8, len & 0xff];
  return Buffer.concat([Buffer.from(header), content]);
}
export const seq = (...parts: Uint8Array[]) => tlv(0x30, Buffer.concat(parts));
export const set = (...parts: Uint8Array[]) => tlv(0x31, Buffer.concat(parts));
export const ctx = (n: number, ...parts: Uint8Array[]) => tlv(0xa0 | n, Buffer.concat(parts));
export const octet = (b: Uint8Array) => tlv(0x04, b);
export const bits = (b: Uint8Array, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
export const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const int = (n: number) => tlv(0x02, Buffer.from([n]));
export const nul = () => Buffer.from([0x05, 0x00]);
export const utc = (s: string) => tlv(0x17, Buffer.from(s, 'ascii'));
export const gen = (s: string) => tlv(0x18, Buffer.from(s, 'ascii'));
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const g = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) g.unshift((v & 0x7f) | 0x80);
    out.push(...g);
  }
  return tlv(0x06, Buffer.from(out));
}
export const cn = (name: string) => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(name)))));

export const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
export const ECDSA_SHA256_NULL = seq(oid('1.2.840.10045.4.3.2'), nul());
export const HW_TYPE = oid('1.2.826.0.1.8641679.1.2.2.1');

export function ext(oidText: string, critical: boolean | null, value: Uint8Array): Buffer {
  return critical === null ? seq(oid(oidText), octet(value)) : seq(oid(oidText), bool(critical), octet(value));
}
/** keyUsage with the given first octet and unused-bit count (0x80/7 = digitalSignature). */
export const keyUsage = (first: number, unused: number, critical: boolean | null = true) =>
  ext('2.5.29.15', critical, bits(Buffer.from([first]), unused));
export const hwName = (serial: Uint8Array) => ctx(0, oid('1.3.6.1.5.5.7.8.4'), ctx(0, seq(HW_TYPE, octet(serial))));
export const san = (names: Uint8Array[], critical: boolean | null = true) => ext('2.5.29.17', critical, seq(...names));

export function newP256(): { privateKey: KeyObject; publicKey: KeyObject; spki: Buffer } {
  const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...kp, spki: kp.publicKey.export({ format: 'der', type: 'spki' }) };
}

export interface CertSpec {
  version?: Buffer | null; // the [0] field, null = absent
  serial?: Buffer;
  tbsAlg?: Buffer;
  outerAlg?: Buffer;
  issuer: Buffer;
  subject?: Buffer;
  notBefore?: Buffer;
  notAfter?: Buffer;
  spki: Buffer;
  extensions?: Buffer[] | null;
  signer: KeyObject;
}

export function buildCert(spec: CertSpec): { der: Buffer; tbs: Buffer } {
  const version = spec.version === undefined ? ctx(0, int(2)) : spec.version;
  const tbs = seq(
    ...(version === null ? [] : [version]),
    spec.serial ?? int(0x11),
    spec.tbsAlg ?? ECDSA_SHA256,
    spec.issuer,
    seq(spec.notBefore ?? utc('240101000000Z'), spec.notAfter ?? gen('99991231235959Z')),
    spec.subject ?? seq(),
    spec.spki,
    ...(spec.extensions === null || spec.extensions === undefined ? [] : [ctx(3, seq(...spec.extensions))]),
  );
  const sig = sign('sha256', tbs, { key: spec.signer, dsaEncoding: 'der' });
  return { der: seq(tbs, spec.outerAlg ?? ECDSA_SHA256, bits(sig)), tbs };
}

export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A self-signed test CA and a factory of device certificates it issues. */
export function testPki(caName = 'TEST DEVICE CA') {
  const ca = newP256();
  const caDer = buildCert({
    issuer: cn(caName), subject: cn(caName), spki: ca.spki, signer: ca.privateKey,
    extensions: [ext('2.5.29.19', true, seq(bool(true)))],
  }).der;
  const device = newP256();
  function deviceCert(serialHex: string, over: Partial<CertSpec> = {}): Buffer {
    const defaults: CertSpec = {
      issuer: cn(caName), spki: device.spki, signer: ca.privateKey,
      extensions: [keyUsage(0x80, 7), san([hwName(Buffer.from(serialHex, 'hex'))])],
    };
    return buildCert({ ...defaults, ...over }).der;
  }
  return { ca, caDer, caPem: toPem(caDer), device, deviceCert };
}
