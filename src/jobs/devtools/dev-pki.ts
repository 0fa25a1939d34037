/**
 * Naming scheme of the development PKI that `ref init` writes and `gen` reads.
 * File-signer party EUI-64s are 90-B3-D5-1F-30-02-00-<nn>, nn = 01, 02, ... in the order
 * of DEV_SMSOS (90-B3-D5 is the OUI of the DCC test parties; 30-02 keeps clear of the
 * 30-00 / 30-01 ranges of the DCC Boxed fixtures).
 */
export const DEV_SMSOS = ['MDS', 'SECURE', 'TRILLIANT', 'LG'] as const;

/** Role code written in the OU of development file-signer certificates (not checked by the validator). */
export const DEV_SIGNER_ROLE_CODE = '08';

/** Canonical party EUI-64 of the development file signer of an SMSO (index in DEV_SMSOS, or 0x80+ for others). */
export function devSignerEui(smso: string): string {
  const i = (DEV_SMSOS as readonly string[]).indexOf(smso);
  const n = i >= 0 ? i + 1 : 0x80 + (hashSmall(smso) & 0x7f);
  return `90b3d51f300200${n.toString(16).padStart(2, '0')}`;
}

/** The development S1SP's party EUI-64 and its alert-signing certificate's names (DCC's XML-signing role 87, issued under an OU=07 CA). */
export const DEV_S1SP_EUI = '90b3d51f30020100';
export const DEV_ALERT_SIGNER_ROLE_CODE = '87';
export const DEV_ORG_CA = { roleCode: '07', commonName: 'S1MIG DEV ORG CA' } as const;

function hashSmall(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

export function devCaCommonName(smso: string): string {
  return `S1MIG DEV ${smso} DEVICE CA`;
}

/** Eligible combinations for the development reference: each with and without a GSME. */
export const DEV_COMBINATIONS = [
  { CHF: ['Secure', 'SMETS1 CH-W1'], ESME: ['Secure', 'Liberty 100'], GSME: ['Secure', 'Europa G4'] },
  { CHF: ['Landis+Gyr', 'E470 CH'], ESME: ['Landis+Gyr', 'E470 5394'], GSME: ['Landis+Gyr', 'G470 SMETS1'] },
  { CHF: ['Honeywell Elster', 'AS300-CH'], ESME: ['Honeywell Elster', 'AS300P'], GSME: ['Honeywell Elster', 'BK-G4E'] },
  { CHF: ['Trilliant', 'SecureMesh CH'], ESME: ['Aclara', 'SGM1412-A'], GSME: ['EDMI', 'ES-10G'] },
] as const;

type Product = { manufacturer: string; model: string };

/** The eligibility JSON document written by `ref init`. */
export function devEligibilityDocument(): { combinations: Record<string, Product>[] } {
  const p = ([manufacturer, model]: readonly [string, string]): Product => ({ manufacturer, model });
  const combinations: Record<string, Product>[] = [];
  for (const c of DEV_COMBINATIONS) {
    combinations.push({ CHF: p(c.CHF), ESME: p(c.ESME), GSME: p(c.GSME) });
    combinations.push({ CHF: p(c.CHF), ESME: p(c.ESME) });
  }
  return { combinations };
}
