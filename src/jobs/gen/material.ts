/**
 * Loads what `gen` needs from a reference directory written by `ref init` (or an
 * equivalent one): the S1SP key-agreement public key, the SMSO's device CA and its key,
 * the file signer's key and certificate, the signer candidates of the bundle, and the
 * eligible product combinations.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { keyIdentifier, rawPublicPoint, type Issuer } from '../../core/x509/build/index.js';
import { subjectNameDer, subjectPartyEui } from './cert-fields.js';

export interface Product {
  readonly manufacturer: string;
  readonly model: string;
}
export interface Combination {
  readonly CHF?: Product;
  readonly ESME?: Product;
  readonly GSME?: Product;
}

export interface SignerCandidate {
  readonly eui: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** True when this certificate's key is the key `gen` signs with. */
  readonly isSigningKey: boolean;
}

export interface GenMaterial {
  readonly recipientPoint: Buffer;
  readonly ca: Issuer;
  /** A CA with the same subject Name but another key: certificates it signs are untrusted. */
  readonly rogueCa: Issuer;
  readonly signerKey: KeyObject;
  /** Canonical party EUI of the signing certificate. */
  readonly signerEui: string;
  /** Every certificate of smso/<S>/file-signers.pem (for the expected signer outcome). */
  readonly bundle: readonly SignerCandidate[];
  readonly combinations: readonly Combination[];
}

export interface MaterialOptions {
  readonly signerKeyPath?: string;
  readonly signerCertPath?: string;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new S1migError('REF_INVALID', `gen: cannot read ${path}`, { cause: err });
  }
}

function pemBlocks(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

function privateKey(path: string): KeyObject {
  try {
    const key = createPrivateKey(read(path));
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not a P-256 key');
    return key;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'REF_INVALID') throw err;
    throw new S1migError('REF_INVALID', `gen: ${path} is not a P-256 private key`, { cause: err });
  }
}

function samePublicKey(cert: X509Certificate, key: KeyObject): boolean {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(cert.publicKey.export({ type: 'spki', format: 'der' }));
}

function product(v: unknown, where: string): Product | undefined {
  if (v === undefined) return undefined;
  const o = v as { manufacturer?: unknown; model?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.manufacturer !== 'string' || typeof o.model !== 'string') {
    throw new S1migError('REF_INVALID', `gen: ${where}: product entries need string manufacturer and model`);
  }
  return { manufacturer: o.manufacturer.trim(), model: o.model.trim() };
}

export function loadCombinations(refDir: string): Combination[] {
  const path = join(refDir, 'eligible-product-combinations.json');
  let doc: unknown;
  try {
    doc = JSON.parse(read(path));
  } catch (err) {
    throw new S1migError('REF_INVALID', `gen: ${path} is not valid JSON`, { cause: err });
  }
  const list = (doc as { combinations?: unknown }).combinations;
  if (!Array.isArray(list)) throw new S1migError('REF_INVALID', `gen: ${path} has no combinations array`);
  return list.map((c: Record<string, unknown>) => {
    const out: { CHF?: Product; ESME?: Product; GSME?: Product } = {};
    for (const t of ['CHF', 'ESME', 'GSME'] as const) {
      const p = product(c[t], path);
      if (p !== undefined) out[t] = p;
    }
    return out;
  });
}

export function loadGenMaterial(refDir: string, smso: string, options: MaterialOptions = {}): GenMaterial {
  const smsoDir = join(refDir, 'smso', smso);
  // An SMSO the reference has no development PKI for: say which ones it has.
  if (!existsSync(join(smsoDir, 'device-ca.key.pem'))) {
    const have = existsSync(join(refDir, 'smso')) ? readdirSync(join(refDir, 'smso')).filter((d) => existsSync(join(refDir, 'smso', d, 'device-ca.key.pem'))).sort() : [];
    throw new S1migError('USAGE', `gen: --smso ${smso}: ${refDir} has no development device CA and file signer for it (it has ${have.length === 0 ? 'none: run `s1mig ref init`' : have.join(', ')})`);
  }
  const kaKey = privateKey(join(refDir, 's1sp/key-agreement.key.pem'));

  const caKey = privateKey(join(smsoDir, 'device-ca.key.pem'));
  const caCert = pemBlocks(read(join(smsoDir, 'device-cas.pem')))
    .map((d) => ({ d, x: new X509Certificate(d) }))
    .find((c) => samePublicKey(c.x, caKey));
  if (caCert === undefined) throw new S1migError('REF_INVALID', `gen: no certificate in ${smsoDir}/device-cas.pem matches device-ca.key.pem`);
  const caName = subjectNameDer(caCert.d);
  const ca: Issuer = { name: caName, privateKey: caKey, keyId: keyIdentifier(rawPublicPoint(caKey)) };
  const rogueKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rogueCa: Issuer = { name: caName, privateKey: rogueKey, keyId: keyIdentifier(rawPublicPoint(rogueKey)) };

  const signerKey = privateKey(options.signerKeyPath ?? join(smsoDir, 'file-signer.key.pem'));
  const bundleDers = pemBlocks(read(join(smsoDir, 'file-signers.pem')));
  const signerDers = options.signerCertPath !== undefined ? pemBlocks(read(options.signerCertPath)) : bundleDers;
  const signerDer = signerDers.find((d) => samePublicKey(new X509Certificate(d), signerKey));
  if (signerDer === undefined) throw new S1migError('USAGE', 'gen: no signer certificate matches the signer key');
  const signerEui = subjectPartyEui(signerDer);
  if (signerEui === null) throw new S1migError('USAGE', 'gen: the signer certificate has no 8-byte x500UniqueIdentifier');

  const bundle: SignerCandidate[] = [];
  for (const d of bundleDers) {
    const eui = subjectPartyEui(d);
    if (eui === null) continue;
    const x = new X509Certificate(d);
    bundle.push({ eui, notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo), isSigningKey: samePublicKey(x, signerKey) });
  }
  return { recipientPoint: rawPublicPoint(kaKey), ca, rogueCa, signerKey, signerEui, bundle, combinations: loadCombinations(refDir) };
}
