import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateMcf, errorCode, type InstallationResult } from '../../../src/api/index.js';

const VECTORS = fileURLToPath(new URL('../../../../shared/fixtures/mcf-vectors/', import.meta.url));
const REF = `${VECTORS}ref`;
const names = readdirSync(VECTORS).filter((f) => f.endsWith('.xml'));

describe('validateMcf, the library entry point', () => {
  it('has vectors to run', () => expect(names.length).toBeGreaterThanOrEqual(4));

  for (const name of names) {
    it(`${name}: returns the vector's expected report, messages and key order included`, async () => {
      const expected = JSON.parse(readFileSync(`${VECTORS}${name.replace(/\.xml$/, '.expected.json')}`, 'utf8')) as Record<string, unknown>;
      const report = await validateMcf(`${VECTORS}${name}`, { ref: REF, checker: 'in-thread' });
      const codes = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'message' ? undefined : x)));
      expect(codes(report)).toEqual(codes(expected));
      expect(Object.keys(report)).toEqual(Object.keys(expected));
    });
  }

  it('gives the same report from a stream as from the path, and streams installations to a callback instead of listing them', async () => {
    const file = `${VECTORS}mixed-outcomes.xml`;
    const fromPath = await validateMcf(file, { ref: REF, checker: 'in-thread' });
    expect(await validateMcf(createReadStream(file), { ref: REF, checker: 'in-thread' })).toEqual(fromPath);
    const seen: InstallationResult[] = [];
    const streamed = await validateMcf(file, { ref: REF, checker: 'in-thread', onInstallation: (i) => void seen.push(i) });
    expect(seen).toEqual(fromPath.installations);
    expect(streamed.installations).toEqual([]);
    expect(streamed.summary).toEqual(fromPath.summary);
  });

  it('applies the policy it is given', async () => {
    const file = `${VECTORS}mixed-outcomes.xml`;
    const allow = await validateMcf(file, { ref: REF, checker: 'in-thread' });
    const deny = await validateMcf(file, { ref: REF, checker: 'in-thread', policy: { partial: 'deny' } });
    expect(allow.summary.partial).toBeGreaterThan(0);
    expect(deny.summary.partial).toBe(0);
  });

  it('refuses with coded errors: no reference, a bad policy, a stream over its limit', async () => {
    const code = async (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (err: unknown) => errorCode(err));
    expect(await code(validateMcf(`${VECTORS}basic-valid.xml`, { ref: `${VECTORS}no-such-ref` }))).toBe('REF_INVALID');
    expect(await code(validateMcf(`${VECTORS}basic-valid.xml`, {} as { ref: string }))).toBe('USAGE');
    expect(await code(validateMcf(`${VECTORS}basic-valid.xml`, { ref: REF, policy: { partial: 'maybe' as 'deny' } }))).toBe('USAGE');
    expect(await code(validateMcf(Readable.from([Buffer.alloc(600)]), { ref: REF, maxBytes: 512 }))).toBe('INPUT_UNREADABLE');
    expect(await code(validateMcf(`${VECTORS}no-such.xml`, { ref: REF }))).toBe('INPUT_UNREADABLE');
  });
});
