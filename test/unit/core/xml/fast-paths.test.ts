import { describe, expect, it } from 'vitest';
import { XmlTokenizer } from '../../../../src/core/xml/tokenizer.js';
import type { XmlFatal, XmlHandler, XmlLimits, XmlStartTag } from '../../../../src/core/xml/types.js';
import { DEFAULT_XML_LIMITS } from '../../../../src/core/xml/types.js';

// The tokenizer takes plain character data and names a stretch at a time and keeps a text
// that is one span of the chunk without copying it; everything else goes byte by byte.
// These tests pin the hand-over points: the result must not depend on where chunks split,
// and rare bytes anywhere in a long run must give the same values, limits and errors.

interface Run {
  events: string[];
  error: XmlFatal | null;
}

function tokenize(bytes: Uint8Array, cuts: readonly number[] = [], limits: XmlLimits = DEFAULT_XML_LIMITS): Run {
  const events: string[] = [];
  const handler: XmlHandler = {
    startElement(t: XmlStartTag) {
      const attrs = [...t.attrs].map(([k, v]) => `${k}=${v ?? '<over>'}`).join(',');
      events.push(`<${t.ns ?? ''}|${t.local}@${t.offset}/${t.depth}${attrs ? ' ' + attrs : ''}>`);
    },
    endElement(depth) {
      events.push(`</${depth}>`);
    },
    text(value, depth, hasWs) {
      events.push(`T${depth}${hasWs ? 'w' : ''}:${JSON.stringify(value)}`);
    },
    limit(what, offset) {
      events.push(`L:${what}@${offset}`);
    },
    rootLevelMarkup(offset) {
      events.push(`R@${offset}`);
    },
  };
  const tok = new XmlTokenizer(handler, limits);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    tok.write(bytes.subarray(at, cut));
    at = cut;
  }
  tok.end();
  return { events, error: tok.error };
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const firstText = (run: Run): string | undefined => run.events.find((e) => e.startsWith('T'));
const starts = (run: Run): string[] => run.events.filter((e) => /^<[^/]/.test(e));
const B64 = 'MIIBkjCCATmgAwIBAgIQVY4SNNIAh46sqbFDJ56YrjAKBggqhkjOPQQDAjAiMSAwHgYDVQQDExdTMU1JRyBE+/=';

/** Every way of cutting `bytes` in two, and in three around the middle. */
function expectSameForAnySplit(bytes: Buffer, limits?: XmlLimits): Run {
  const whole = tokenize(bytes, [], limits);
  for (let k = 1; k < bytes.length; k++) expect(tokenize(bytes, [k], limits), `cut at ${k}`).toEqual(whole);
  const mid = bytes.length >> 1;
  for (let k = 1; k < mid; k += 3) expect(tokenize(bytes, [k, mid], limits), `cuts at ${k}, ${mid}`).toEqual(whole);
  expect(tokenize(bytes, Array.from({ length: bytes.length - 1 }, (_, k) => k + 1), limits)).toEqual(whole);
  return whole;
}

describe('XmlTokenizer fast paths: chunk boundaries', () => {
  it('gives the same events for a cut at every byte of a document with every kind of text', () => {
    const doc = utf8(
      '\uFEFF<?xml version="1.0"?>\n<!-- p --><m:r xmlns:m="urn:m" a="x\r\ny"><m:Device>\r\n' +
        `  <m:Certificate>${B64}\n  ${B64}</m:Certificate>\r\n` +
        `  <m:Model>A &amp; B]] ]>é€𝄞&#x41;</m:Model><m:Empty/><m:X>a\rb\r\nc<!-- c -->d</m:X>\n` +
        '</m:Device>\t</m:r>\n',
    );
    const run = expectSameForAnySplit(doc);
    expect(run.error).toBeNull();
    expect(run.events).toContain(`T2w:${JSON.stringify(`${B64}\n  ${B64}`)}`);
    expect(run.events).toContain('T2w:"A & B]] ]>é€𝄞A"');
    expect(run.events).toContain('T2w:"a\\nb\\ncd"');
  });

  it('takes a long base64 text as one value whatever the chunking', () => {
    const doc = utf8(`<r><c>${B64.repeat(20)}</c></r>`);
    const run = expectSameForAnySplit(doc);
    expect(run.events).toEqual(['<|r@0/0>', 'R@3', '<|c@3/1>', `T1:"${B64.repeat(20)}"`, '</1>', `R@${doc.length - 4}`, '</0>']);
  });

  it('keeps names cut anywhere, and end tags that only look like the open element', () => {
    for (const doc of ['<root><ab>x</ab><abc/><a>y</a></root>', '<r><DeviceID>1</DeviceID><DeviceIDs>2</DeviceIDs></r>']) {
      expect(expectSameForAnySplit(utf8(doc)).error).toBeNull();
    }
    for (const doc of ['<r><ab>x</a></r>', '<r><a>x</ab></r>', '<r><a>x</a ></r>', '<r><é>x</é></r>', '<r><a>x</é></r>']) {
      expectSameForAnySplit(utf8(doc));
    }
    expect(tokenize(utf8('<r><ab>x</a></r>')).error?.reason).toBe("end tag 'a' does not match");
    expect(tokenize(utf8('<r><a>x</ab></r>')).error?.reason).toBe("end tag 'ab' does not match");
    expect(tokenize(utf8('<r><é>x</é></r>')).error).toBeNull();
  });
});

describe('XmlTokenizer fast paths: rare bytes inside a long run', () => {
  const text = B64.repeat(3);
  const doc = (body: string): Buffer => utf8(`<r><c>${body}</c></r>`);
  const at = (k: number): number => 6 + k; // offset of the k-th byte of the body

  for (const k of [0, 1, 31, 32, 33, 100, text.length - 1]) {
    it(`handles a reference, CR, CRLF, ']]>', a control and non-ASCII at byte ${k}`, () => {
      const before = text.slice(0, k);
      const after = text.slice(k);
      expect(firstText(tokenize(doc(`${before}&lt;${after}`)))).toBe(`T1:"${before}<${after}"`);
      expect(firstText(tokenize(doc(`${before}&#32;${after}`)))).toBe(`T1w:"${before} ${after}"`);
      expect(firstText(tokenize(doc(`${before}\r${after}`)))).toBe(`T1w:"${before}\\n${after}"`);
      expect(firstText(tokenize(doc(`${before}\r\n${after}`)))).toBe(`T1w:"${before}\\n${after}"`);
      expect(firstText(tokenize(doc(`${before}]]${after}`)))).toBe(`T1:"${before}]]${after}"`);
      expect(firstText(tokenize(doc(`${before}é${after}`)))).toBe(`T1:"${before}é${after}"`);
      expect(tokenize(doc(`${before}]]>${after}`)).error).toEqual({ reason: "']]>' in character data", offset: at(k + 2) });
      expect(tokenize(doc(`${before}\u0001${after}`)).error).toEqual({ reason: 'control character', offset: at(k) });
      expect(tokenize(doc(`${before}&bad;${after}`)).error?.offset).toBe(at(k + 4));
    });
  }

  it("finds ']]>' and CR LF pairs split across chunks", () => {
    expectSameForAnySplit(doc(`${text}]]>${text}`));
    expectSameForAnySplit(doc(`${text}]]]>`));
    expectSameForAnySplit(doc(`${text}\r\n\r\r\n${text}`));
  });

  it('tells whether a text holds whitespace, from bytes or references', () => {
    expect(firstText(tokenize(doc(text)))).toBe(`T1:"${text}"`);
    expect(firstText(tokenize(doc(` ${text}`)))).toBe(`T1w:" ${text}"`);
    expect(firstText(tokenize(doc(`${text}\t`)))).toBe(`T1w:"${text}\\t"`);
    expect(firstText(tokenize(doc(`${text}&#10;x`)))).toBe(`T1w:"${text}\\nx"`);
    expect(firstText(tokenize(doc(`${text}&#xD;x`)))).toBe(`T1w:"${text}\\rx"`);
    expect(tokenize(utf8(`<r>\n <c>x</c>\n</r>`)).events).toEqual(['<|r@0/0>', 'R@5', '<|c@5/1>', 'T1:"x"', '</1>', 'R@14', '</0>']);
  });
});

describe('XmlTokenizer fast paths: limits', () => {
  const max = DEFAULT_XML_LIMITS.textCodePoints;
  const doc = (body: string): Buffer => utf8(`<r><c>${body}</c><d>ok</d></r>`);

  it('reports a text one code point over the limit at that code point, for any chunking', () => {
    const cases: [string, number][] = [
      ['x'.repeat(max + 1), max],
      // The CR LF pair is one code point, € three bytes and é two: the second é is one too many.
      [`${'x'.repeat(max - 3)}\r\n€éé`, max - 3 + 2 + 3 + 2],
      [`${'&amp;'.repeat(10)}${'y'.repeat(max - 9)}`, 50 + max - 10],
    ];
    for (const [body, over] of cases) {
      const bytes = doc(body);
      const whole = tokenize(bytes);
      expect(whole.events.filter((e) => e.startsWith('L:'))).toEqual([`L:text@${6 + over}`]);
      expect(whole.events).toContain('T1:"ok"');
      for (const cut of [7, 100, 6 + over - 2, 6 + over - 1, 6 + over, 6 + over + 1, 6 + over + 5]) {
        expect(tokenize(bytes, [cut]), `cut at ${cut}`).toEqual(whole);
      }
    }
  });

  it('accepts exactly the limit, plain or with a CR LF', () => {
    expect(tokenize(doc('x'.repeat(max))).events).toContain(`T1:"${'x'.repeat(max)}"`);
    expect(tokenize(doc(`${'x'.repeat(max - 1)}\r\n`), [6 + max]).events).toContain(`T1w:"${'x'.repeat(max - 1)}\\n"`);
  });

  it('applies small limits the same way for every chunking (names, texts)', () => {
    const limits: XmlLimits = { ...DEFAULT_XML_LIMITS, textCodePoints: 8, nameBytes: 4 };
    const doc = utf8('<r><abcd>12345678</abcd><e>123456789</e><f>1234&#65;</f></r>');
    const run = expectSameForAnySplit(doc, limits);
    expect(run.events.filter((e) => e.startsWith('L:'))).toEqual([`L:text@${doc.indexOf('9')}`]);
    expect(run.events).toContain('T1:"12345678"');
    expect(run.events).toContain('T1:"1234A"');
    expect(expectSameForAnySplit(utf8('<r><abcde/></r>'), limits).error).toEqual({ reason: 'name too long', offset: 8 });
    expect(expectSameForAnySplit(utf8('<r><abcd></abcde></r>'), limits).error).toEqual({ reason: 'name too long', offset: 15 });
  });
});

describe('ElementStack name resolution cache', () => {
  it('follows default and prefixed bindings as elements open and close', () => {
    const run = tokenize(
      utf8('<r xmlns="urn:a" xmlns:p="urn:p"><b/><x xmlns="urn:b" xmlns:p="urn:q"><b/><p:c/></x><b/><p:c/></r>'),
    );
    expect(run.error).toBeNull();
    expect(starts(run)).toEqual([
      '<urn:a|r@0/0>', '<urn:a|b@33/1>', '<urn:b|x@37/1>', '<urn:b|b@70/2>', '<urn:q|c@74/2>', '<urn:a|b@84/1>', '<urn:p|c@88/1>',
    ]);
  });

  it('unbinds a default namespace with xmlns="" and keeps attributes per element', () => {
    const run = tokenize(utf8('<r xmlns="urn:a"><b id="1"/><c xmlns=""><b/></c><b/></r>'));
    expect(starts(run)).toEqual([
      '<urn:a|r@0/0>', '<urn:a|b@17/1 id=1>', '<|c@28/1>', '<|b@40/2>', '<urn:a|b@48/1>',
    ]);
  });
});
