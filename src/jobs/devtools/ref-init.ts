/**
 * `ref init`: writes a development reference directory laid out as mcf-format.md "The
 * reference directory" says, plus the development-only private keys `gen` signs with.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { buildDeviceCa, buildOrganisationCertificate, organisationCaName, toPem } from '../../core/x509/build/index.js';
import { DEV_ALERT_SIGNER_ROLE_CODE, DEV_ORG_CA, DEV_S1SP_EUI, DEV_SIGNER_ROLE_CODE, DEV_SMSOS, devCaCommonName, devEligibilityDocument, devSignerEui } from './dev-pki.js';

export interface RefInitOptions {
  /** Write into a non-empty directory, replacing the files this command writes. */
  readonly force?: boolean;
  readonly smsos?: readonly string[];
}

export interface RefInitResult {
  readonly dir: string;
  /** Paths written, relative to dir. */
  readonly files: readonly string[];
}

function newP256(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function pkcs8Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The alert-signing organisation certificate, issued by a throwaway development CA (as
 * DCC's Z1 issues the DCC Boxed ones; its certificate is not published either). Its serial
 * is 8 bytes, so X509SerialNumber stays within libxml2's integer limit (alert-signing.ts).
 */
function alertSigningCertificate(key: KeyObject): Buffer {
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return buildOrganisationCertificate({
    roleCode: DEV_ALERT_SIGNER_ROLE_CODE,
    partyEui: Buffer.from(DEV_S1SP_EUI, 'hex'),
    commonName: 'S1MIG DEV S1SP ALERT SIGNER',
    privateKey: key,
    issuer: { name: organisationCaName(DEV_ORG_CA.roleCode, DEV_ORG_CA.commonName), privateKey: newP256() },
    serial,
  });
}

export function initReferenceDirectory(dirArg: string, options: RefInitOptions = {}): RefInitResult {
  const dir = resolve(dirArg);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new S1migError('USAGE', `ref init: ${dir} exists and is not a directory`);
    if (readdirSync(dir).length > 0 && options.force !== true) {
      throw new S1migError('USAGE', `ref init: ${dir} is not empty (use --force to overwrite)`);
    }
  }
  const files: string[] = [];
  const write = (rel: string, content: string, secret: boolean): void => {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    // mode applies on creation only; chmod covers a file replaced under --force
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
    chmodSync(path, secret ? 0o600 : 0o644);
    files.push(rel);
  };

  write('s1sp/key-agreement.key.pem', pkcs8Pem(newP256()), true);
  const alertKey = newP256();
  write('s1sp/alert-signing.key.pem', pkcs8Pem(alertKey), true);
  write('s1sp/alert-signing.cert.pem', toPem(alertSigningCertificate(alertKey)), false);
  for (const smso of options.smsos ?? DEV_SMSOS) {
    if (!/^[A-Z0-9]{2,16}$/.test(smso)) throw new S1migError('USAGE', `ref init: bad SMSO code '${smso}'`);
    const caKey = newP256();
    const ca = buildDeviceCa({ commonName: devCaCommonName(smso), privateKey: caKey });
    write(`smso/${smso}/device-cas.pem`, toPem(ca.der), false);
    write(`smso/${smso}/device-ca.key.pem`, pkcs8Pem(caKey), true);
    const signerKey = newP256();
    const signer = buildOrganisationCertificate({
      roleCode: DEV_SIGNER_ROLE_CODE,
      partyEui: Buffer.from(devSignerEui(smso), 'hex'),
      commonName: `S1MIG DEV ${smso} FILE SIGNER`,
      privateKey: signerKey,
    });
    write(`smso/${smso}/file-signers.pem`, toPem(signer), false);
    write(`smso/${smso}/file-signer.key.pem`, pkcs8Pem(signerKey), true);
  }
  write('eligible-product-combinations.json', JSON.stringify(devEligibilityDocument(), null, 1) + '\n', false);
  return { dir, files };
}
