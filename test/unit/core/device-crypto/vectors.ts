import { readFileSync } from 'node:fs';
import type { DeviceCryptoInput, DeviceType } from '../../../../src/core/contracts/device-crypto.js';
import { DEVICE_CRYPTO_CODES } from '../../../../src/core/contracts/device-crypto.js';
import { canonicalEui } from '../../../../src/core/values.js';

const VECTORS = new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url);

/** Device inputs of a vector MCF (simple regex extraction: the vectors are regular) and their expected crypto codes. */
export function vectorDevices(name: string): { items: DeviceCryptoInput[]; expected: string[][] } {
  const xml = readFileSync(new URL(`${name}.xml`, VECTORS), 'utf8');
  const field = (block: string, el: string) => {
    const m = new RegExp(`<(?:m:)?${el}>([^<]*)</`).exec(block);
    return m === null ? null : m[1]!.replace(/[ \t\r\n]/g, '');
  };
  const items: DeviceCryptoInput[] = [];
  for (const m of xml.matchAll(/<(?:m:)?Device>([\s\S]*?)<\/(?:m:)?Device>/g)) {
    const block = m[1]!;
    items.push({
      deviceId: canonicalEui(field(block, 'DeviceID') ?? ''),
      deviceType: field(block, 'DeviceType') as DeviceType,
      certificate: field(block, 'Certificate'),
      credential: field(block, 'Credential'),
    });
  }
  const report = JSON.parse(readFileSync(new URL(`${name}.expected.json`, VECTORS), 'utf8')) as {
    installations: { devices: { errors: { code: string }[] }[] }[];
  };
  const crypto: readonly string[] = DEVICE_CRYPTO_CODES;
  const expected = report.installations.flatMap((i) => i.devices.map((d) => d.errors.map((e) => e.code).filter((c) => crypto.includes(c))));
  return { items, expected };
}

export const VECTOR_CREATED_AT = Date.parse('2026-11-28T09:00:00Z') / 1000;
