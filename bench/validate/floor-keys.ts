import type { KeyObject } from 'node:crypto';
import type { DeviceCryptoContext } from '../../src/device-crypto/context.js';

/** The CA keys of one SMSO in a fixed order, so that the main thread and workers agree on indexes. */
export function flattenCaKeys(ctx: DeviceCryptoContext, smso: string): KeyObject[] {
  return [...(ctx.caKeys.get(smso)?.values() ?? [])].flat();
}

/** Issuer subject (hex DER) -> index of its first key in flattenCaKeys' order. */
export function caIndexes(ctx: DeviceCryptoContext, smso: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  for (const [subject, keys] of ctx.caKeys.get(smso) ?? []) {
    out.set(subject, i);
    i += keys.length;
  }
  return out;
}
