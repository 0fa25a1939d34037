import type { KeyObject } from 'node:crypto';
import type { DeviceCryptoContext } from '../../src/core/device-crypto/context.js';

/** The CA keys of one SMSO in a fixed order, so that the main thread and workers agree on indexes. */
export function flattenCaKeys(ctx: DeviceCryptoContext, smso: string): KeyObject[] {
  return (ctx.caSubjects.get(smso) ?? []).flatMap((ca) => ca.keys);
}

/** Issuer subject (hex DER) -> index of its first key in flattenCaKeys' order. */
export function caIndexes(ctx: DeviceCryptoContext, smso: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  for (const { subject, keys } of ctx.caSubjects.get(smso) ?? []) {
    out.set(Buffer.from(subject).toString('hex'), i);
    i += keys.length;
  }
  return out;
}
