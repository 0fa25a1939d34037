/** Test helper (not a test): seeded, deterministic mutations of MCF documents for the fuzz test. */
import { sign } from 'node:crypto';
import { prng, type Rng } from '../../support/prng.js';

export { prng, type Rng };

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(rng, 256);
  return b;
}

function splice(buf: Buffer, at: number, remove: number, insert: Buffer | string): Buffer {
  return Buffer.concat([buf.subarray(0, at), Buffer.from(insert as string), buf.subarray(at + remove)]);
}

/** Byte ranges [start, end) of every `<name ...>...</name>` element (no nesting of the same name in MCF). */
function elements(buf: Buffer, name: string): Array<[number, number]> {
  const text = buf.toString('latin1');
  const out: Array<[number, number]> = [];
  const re = new RegExp(`<${name}[ >][\\s\\S]*?</${name}>`, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/** Content ranges of `<name>...</name>` (the text between the tags). */
function contents(buf: Buffer, name: string): Array<[number, number]> {
  return elements(buf, name).map(([s, e]) => [buf.indexOf('>', s) + 1, e - name.length - 3]);
}

/** Rewrites the Header counts to match the body, so structural mutations can pass step 7. */
export function fixCounts(buf: Buffer): Buffer {
  const text = buf.toString('latin1');
  const inst = (text.match(/<Installation[ >]/g) ?? []).length;
  const dev = (text.match(/<Device>/g) ?? []).length;
  return Buffer.from(
    text.replace(/<InstallationCount>[^<]*</, `<InstallationCount>${inst}<`).replace(/<DeviceCount>[^<]*</, `<DeviceCount>${dev}<`),
    'latin1',
  );
}

/** Signs the bytes before the last `<Signature` with `key` and writes the new value; unchanged when there is none. */
export function resign(buf: Buffer, keyPem: string): Buffer {
  const at = buf.lastIndexOf('<Signature>');
  const end = buf.indexOf('</Signature>', at);
  if (at < 0 || end < 0) return buf;
  const sig = sign('sha256', buf.subarray(0, at), keyPem).toString('base64');
  return Buffer.concat([buf.subarray(0, at), Buffer.from(`<Signature>${sig}`), buf.subarray(end)]);
}

export interface Mutation {
  readonly name: string;
  /** Whether re-signing (and fixing counts) makes sense afterwards: the body changed, not the envelope. */
  readonly resignable: boolean;
  apply(buf: Buffer, rng: Rng): Buffer;
}

function mutateInside(name: string): Mutation {
  return {
    name: `random bytes in ${name}`,
    resignable: true,
    apply(buf, rng) {
      const ranges = contents(buf, name);
      if (ranges.length === 0) return buf;
      const [s, e] = pick(rng, ranges);
      const at = s + int(rng, Math.max(1, e - s));
      const len = 1 + int(rng, 24);
      const kind = int(rng, 3);
      // Valid-alphabet noise reaches the DER/crypto layers; raw bytes test the text layers.
      const noise = kind === 0 ? randomBytes(rng, len)
        : kind === 1 ? Buffer.from(Array.from({ length: len }, () => pick(rng, [...B64])).join(''))
        : Buffer.from(Array.from({ length: 4 }, () => pick(rng, [...B64])).join(''));
      return splice(buf, at, kind === 2 ? 4 : int(rng, len + 1), noise);
    },
  };
}

export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'bit flips',
    resignable: true,
    apply(buf, rng) {
      const out = Buffer.from(buf);
      for (let k = 1 + int(rng, 8); k > 0; k--) {
        const i = int(rng, out.length);
        out[i] = out[i]! ^ (1 << int(rng, 8));
      }
      return out;
    },
  },
  { name: 'byte insertion', resignable: true, apply: (buf, rng) => splice(buf, int(rng, buf.length + 1), 0, randomBytes(rng, 1 + int(rng, 16))) },
  { name: 'byte deletion', resignable: true, apply: (buf, rng) => splice(buf, int(rng, buf.length), 1 + int(rng, 32), '') },
  { name: 'truncation', resignable: false, apply: (buf, rng) => buf.subarray(0, int(rng, buf.length)) },
  ...['Device', 'Installation', 'Certificate', 'Credential', 'MPxN', 'Parent', 'FileID', 'Header', 'Signature'].flatMap((el): Mutation[] => [
    {
      name: `duplicated ${el}`,
      resignable: el !== 'Signature',
      apply(buf, rng) {
        const ranges = elements(buf, el);
        if (ranges.length === 0) return buf;
        const [s, e] = pick(rng, ranges);
        return splice(buf, e, 0, buf.subarray(s, e));
      },
    },
    {
      name: `removed ${el}`,
      resignable: el !== 'Signature',
      apply(buf, rng) {
        const ranges = elements(buf, el);
        if (ranges.length === 0) return buf;
        const [s, e] = pick(rng, ranges);
        return splice(buf, s, e - s, '');
      },
    },
  ]),
  mutateInside('Certificate'),
  mutateInside('Credential'),
  mutateInside('Signature'),
  mutateInside('DeviceID'),
  {
    name: 'huge attribute',
    resignable: true,
    apply(buf, rng) {
      const at = buf.indexOf('<Installation id="');
      if (at < 0) return buf;
      const start = at + '<Installation id="'.length;
      return splice(buf, start, 0, 'A'.repeat(1000 + int(rng, 300_000)));
    },
  },
  {
    name: 'huge element text',
    resignable: true,
    apply(buf, rng) {
      const ranges = contents(buf, pick(rng, ['Model', 'Certificate', 'Credential', 'FirmwareVersion', 'Signature']));
      if (ranges.length === 0) return buf;
      const [s] = pick(rng, ranges);
      const fill = pick(rng, ['A', ' ', 'QUJD', '\n  ']);
      return splice(buf, s, 0, fill.repeat(Math.ceil((1000 + int(rng, 400_000)) / fill.length)));
    },
  },
  {
    name: 'many attributes',
    resignable: true,
    apply(buf, rng) {
      const at = buf.indexOf('<Installation ');
      if (at < 0) return buf;
      const attrs = Array.from({ length: 50 + int(rng, 5000) }, (_, i) => ` a${i}="x"`).join('');
      return splice(buf, at + '<Installation'.length, 0, attrs);
    },
  },
  {
    name: 'DOCTYPE with entities',
    resignable: true,
    apply(buf, rng) {
      const decl = buf.indexOf('?>');
      const at = decl < 0 ? 0 : decl + 2;
      const laughs = '<!DOCTYPE MigrationCommonFile [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x SYSTEM "file:///etc/passwd">]>';
      let out = splice(buf, at, 0, `\n${laughs}\n`);
      const ranges = contents(out, pick(rng, ['FileID', 'Model', 'Manufacturer']));
      if (ranges.length > 0) out = splice(out, pick(rng, ranges)[0], 0, pick(rng, ['&c;', '&x;', '&a;', '&#x41;', '&amp;', '&unknown;']));
      return out;
    },
  },
  {
    name: 'markup injection',
    resignable: true,
    apply(buf, rng) {
      const snippet = pick(rng, [
        '<![CDATA[<Device>]]>', '<?pi data?>', '<!-- comment -->', '<!-- -- -->', '</Installation>', '<Device>',
        '<x:y xmlns:x="urn:other"/>', '\u0000', '\uFEFF', '&', '<', ']]>', '<Extra a="1" a="2"/>', '\uD800',
      ]);
      return splice(buf, int(rng, buf.length + 1), 0, snippet);
    },
  },
];

/** The mutation plan for case `i`: one to three mutations, then maybe counts fixed and the file re-signed. */
export function mutate(vector: Buffer, seed: number, keyPem: string): { bytes: Buffer; label: string } {
  const rng = prng(seed);
  let out = vector;
  const names: string[] = [];
  let resignable = true;
  for (let k = 1 + (rng() < 0.3 ? int(rng, 3) : 0); k > 0; k--) {
    const m = pick(rng, MUTATIONS);
    names.push(m.name);
    resignable &&= m.resignable;
    out = m.apply(out, rng);
  }
  if (resignable && rng() < 0.6) {
    out = resign(fixCounts(out), keyPem);
    names.push('re-signed');
  }
  return { bytes: out, label: names.join(' + ') };
}
