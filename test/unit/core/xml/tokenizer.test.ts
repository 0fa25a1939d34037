import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { XmlTokenizer } from '../../../../src/core/xml/tokenizer.js';
import type { XmlFatal, XmlHandler, XmlStartTag } from '../../../../src/core/xml/types.js';

const VECTORS = fileURLToPath(new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url));

interface Run {
  events: string[];
  limits: string[];
  error: XmlFatal | null;
  rootLevel: number[];
}

function tokenize(input: Uint8Array | string, chunkSize = Number.POSITIVE_INFINITY): Run {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const events: string[] = [];
  const limits: string[] = [];
  const rootLevel: number[] = [];
  const handler: XmlHandler = {
    startElement(t: XmlStartTag) {
      const attrs = [...t.attrs].map(([k, v]) => `${k}=${v === null ? '<over>' : v}`).join(',');
      events.push(`<${t.ns ?? ''}|${t.local}@${t.offset}${attrs ? ' ' + attrs : ''}>`);
    },
    endElement(depth) {
      events.push(`</${depth}>`);
    },
    text(value) {
      events.push(`T:${JSON.stringify(value)}`);
    },
    limit(what) {
      limits.push(what);
    },
    rootLevelMarkup(offset) {
      rootLevel.push(offset);
    },
  };
  const tok = new XmlTokenizer(handler);
  const step = Math.min(chunkSize, Math.max(bytes.length, 1));
  for (let i = 0; i < bytes.length; i += step) tok.write(bytes.subarray(i, i + step));
  tok.end();
  return { events, limits, error: tok.error, rootLevel };
}

function fatal(input: Uint8Array | string): string {
  const run = tokenize(input);
  expect(run.error, `expected a fatal error for ${String(input).slice(0, 60)}`).not.toBeNull();
  return run.error!.reason;
}

describe('XmlTokenizer events', () => {
  it('reports elements, namespaces (default and prefixed), attributes and byte offsets', () => {
    const run = tokenize('<r xmlns="urn:a" v="1"><p:x xmlns:p="urn:b" id="7">hé</p:x><y/></r>');
    expect(run.error).toBeNull();
    expect(run.events).toEqual([
      '<urn:a|r@0 v=1>',
      '<urn:b|x@23 id=7>',
      'T:"hé"',
      '</1>',
      '<urn:a|y@60>',
      '</1>',
      '</0>',
    ]);
  });

  it('expands the 5 predefined entities and character references', () => {
    const run = tokenize('<r>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;</r>');
    expect(run.events).toContain(`T:${JSON.stringify('<>&\'"AB\u{1F600}')}`);
  });

  // Regression (audit): more than 7 decimal or 6 hex digits was MCF_MALFORMED, but XML allows
  // any number of leading zeros in a character reference.
  it('reads character references with any number of leading zeros, in text and attributes, across chunk boundaries', () => {
    const zeros = '0'.repeat(40);
    const doc = `<r a="&#${zeros}66;&#x${zeros}43;">&#0000065;&#x00041;&#${zeros}1114111;&#x${zeros}10FFFF;&#09;</r>`;
    for (const chunk of [Number.POSITIVE_INFINITY, 1, 3, 7]) {
      const run = tokenize(doc, chunk);
      expect(run.error, `chunk ${chunk}`).toBeNull();
      expect(run.events[0]).toBe('<|r@0 a=BC>');
      expect(run.events[1]).toBe(`T:${JSON.stringify('AA\u{10FFFF}\u{10FFFF}\t')}`);
    }
    expect(fatal(`<r>&#${zeros};</r>`)).toMatch(/reference/); // still code point 0
    expect(fatal(`<r>&#x${zeros};</r>`)).toMatch(/reference/);
    expect(fatal('<r>&#0x41;</r>')).toMatch(/reference/); // a zero does not start a hex reference
    expect(fatal('<r>&#00x41;</r>')).toMatch(/reference/);
    expect(fatal(`<r>&#${zeros}1114112;</r>`)).toMatch(/reference/); // beyond U+10FFFF
    expect(fatal('<r>&#x110000;</r>')).toMatch(/reference/);
    expect(fatal('<r>&#123456789;</r>')).toMatch(/reference/);
  });

  it('normalises line ends in text and whitespace in attribute values', () => {
    const run = tokenize('<r a="x\r\ny\tz&#9;">a\r\nb\rc\nd</r>');
    expect(run.events[0]).toBe('<|r@0 a=x y z\t>');
    expect(run.events[1]).toBe(`T:${JSON.stringify('a\nb\nc\nd')}`);
  });

  it('joins character data around comments and drops whitespace-only runs', () => {
    const run = tokenize('<r>\n  <a> ab<!-- c -->cd </a>\n</r>');
    expect(run.events).toEqual(['<|r@0>', '<|a@6>', 'T:" abcd "', '</1>', '</0>']);
  });

  it('accepts a BOM, an XML declaration and comments in the prolog; offsets count the BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<?xml version="1.0" encoding="utf-8"?>\n<!-- x --><r><a/></r>\n')]);
    const run = tokenize(bytes);
    expect(run.error).toBeNull();
    expect(run.events[0]).toBe('<|r@52>');
    expect(run.rootLevel).toEqual([55, 59]);
  });

  it('gives the same events and offsets for 1-byte chunks as for one chunk (vector files)', () => {
    for (const name of ['basic-valid.xml', 'bom-prefix-comment.xml']) {
      const bytes = readFileSync(`${VECTORS}${name}`);
      const whole = tokenize(bytes);
      expect(whole.error).toBeNull();
      expect(tokenize(bytes, 1)).toEqual(whole);
      expect(tokenize(bytes, 7)).toEqual(whole);
    }
  });

  it('keeps multi-byte characters split across chunks', () => {
    const run = tokenize('<r>€𝄞é</r>', 1);
    expect(run.error).toBeNull();
    expect(run.events[1]).toBe('T:"€𝄞é"');
  });
});

describe('XmlTokenizer rejections', () => {
  it('rejects a DOCTYPE, billion laughs and external entities', () => {
    expect(fatal('<!DOCTYPE r><r/>')).toMatch(/DOCTYPE/);
    const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><r>&lol2;</r>';
    expect(fatal(laughs)).toMatch(/DOCTYPE/);
    expect(fatal('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')).toMatch(/DOCTYPE/);
    expect(fatal('<r>&x;</r>')).toMatch(/reference/);
    expect(fatal('<r>&#0;</r>')).toMatch(/reference/);
  });

  it('rejects CDATA and processing instructions other than the declaration', () => {
    expect(fatal('<r><![CDATA[x]]></r>')).toMatch(/CDATA/);
    expect(fatal('<r><?pi x?></r>')).toMatch(/processing instruction/);
    expect(fatal('<?xml-stylesheet href="a"?><r/>')).toMatch(/processing instruction/);
    expect(fatal('\n<?xml version="1.0"?><r/>')).toMatch(/processing instruction/);
    expect(fatal('<?xml version="1.1"?><r/>')).toMatch(/version 1.0/);
    expect(fatal('<?xml version="1.0" encoding="ISO-8859-1"?><r/>')).toMatch(/encoding/);
    expect(tokenize('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><r/>').error).toBeNull();
  });

  it('rejects trailing content, comments after the root and truncated files', () => {
    expect(fatal('<r/>x')).toMatch(/after the root/);
    expect(fatal('<r/><r/>')).toMatch(/after the root/);
    expect(fatal('<r/><!-- c -->')).toMatch(/after the root/);
    expect(tokenize('<r/>\n \t\r\n').error).toBeNull();
    expect(fatal('<r><a>x</a>')).toMatch(/end of file/);
    expect(fatal('<r><a')).toMatch(/end of file/);
    expect(fatal('')).toMatch(/no root/);
  });

  it('rejects invalid UTF-8 strictly', () => {
    expect(fatal(Buffer.from([0x3c, 0x72, 0x3e, 0xc0, 0xaf, 0x3c, 0x2f, 0x72, 0x3e]))).toMatch(/UTF-8/); // overlong
    expect(fatal(Buffer.from([0x3c, 0x72, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x72, 0x3e]))).toMatch(/UTF-8/); // surrogate
    expect(fatal(Buffer.from([0x3c, 0x72, 0x3e, 0x80, 0x3c, 0x2f, 0x72, 0x3e]))).toMatch(/UTF-8/); // lone continuation
    expect(fatal(Buffer.concat([Buffer.from('<r>'), Buffer.from([0xe2, 0x82])]))).toMatch(/UTF-8/); // truncated
    expect(fatal(Buffer.concat([Buffer.from('<r>'), Buffer.from([0xef, 0xbf, 0xbf]), Buffer.from('</r>')]))).toMatch(/UTF-8/); // U+FFFF
  });

  it('rejects malformed markup', () => {
    expect(fatal('<r></s>')).toMatch(/does not match/);
    expect(fatal('<r a="1" a="2"/>')).toMatch(/duplicate attribute/);
    expect(fatal('<r xmlns:p="u" xmlns:q="u" p:a="1" q:a="2"/>')).toMatch(/duplicate attribute/);
    expect(fatal('<p:r/>')).toMatch(/unbound/);
    expect(fatal('<r q:a="1"/>')).toMatch(/unbound/);
    expect(fatal('<r a=1/>')).toMatch(/quoted/);
    expect(fatal('<r a="1"b="2"/>')).toMatch(/start tag/);
    expect(fatal('<r a="<"/>')).toMatch(/attribute value/);
    expect(fatal('<r><!-- a -- b --></r>')).toMatch(/--/);
    expect(fatal('<r>a]]>b</r>')).toMatch(/]]>/);
    expect(fatal('<r>\u0001</r>')).toMatch(/control/);
    expect(fatal('<r>text<a/></r>')).toMatch(/child elements/);
    expect(fatal('<r><a/>text</r>')).toMatch(/child elements/);
    expect(fatal('x<r/>')).toMatch(/before the root/);
  });
});

describe('XmlTokenizer limits', () => {
  it('reports an over-long text once, emits nothing for it and keeps parsing', () => {
    const big = `<r><a>${'x'.repeat(8193)}</a><b>ok</b></r>`;
    const run = tokenize(big, 1000);
    expect(run.error).toBeNull();
    expect(run.limits).toEqual(['text']);
    expect(run.events).toEqual(['<|r@0>', '<|a@3>', '</1>', `<|b@${8193 + 10}>`, 'T:"ok"', '</1>', '</0>']);
  });

  it('counts code points, not bytes or UTF-16 units, and expanded references', () => {
    expect(tokenize(`<r>${'€'.repeat(8192)}</r>`).limits).toEqual([]);
    expect(tokenize(`<r>${'𝄞'.repeat(8192)}</r>`).limits).toEqual([]);
    expect(tokenize(`<r>${'&amp;'.repeat(8193)}</r>`).limits).toEqual(['text']);
  });

  it('handles a gigantic text with bounded memory (streamed in chunks, rejected past the limit)', () => {
    const tok = new XmlTokenizer({ startElement() {}, endElement() {}, text() {}, limit() {} });
    tok.write(Buffer.from('<r><a>'));
    const chunk = Buffer.alloc(1 << 20, 0x41);
    for (let k = 0; k < 64; k++) tok.write(chunk); // 64 MB of text
    tok.write(Buffer.from('</a></r>'));
    tok.end();
    expect(tok.error).toBeNull();
  });

  it('reports an over-long attribute value (65 chars) and accepts 64', () => {
    expect(tokenize(`<r a="${'x'.repeat(64)}"/>`).limits).toEqual([]);
    const run = tokenize(`<r a="${'x'.repeat(65)}"/>`, 5);
    expect(run.limits).toEqual(['attribute']);
    expect(run.events[0]).toBe('<|r@0 a=<over>>');
  });

  // mcf-format.md "Limits": nesting 64 levels (the root is level 1), 32 attributes with the
  // namespace declarations, names of 256 bytes of UTF-8 with the prefix: each exact edge.
  it('holds the parser limits exactly as mcf-format.md states them', () => {
    const nest = (n: number): string => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    expect(tokenize(nest(64)).error).toBeNull();
    expect(fatal(nest(65))).toMatch(/deeply/);
    const attrs = (n: number): string => Array.from({ length: n }, (_, k) => (k === 0 ? 'xmlns:p="urn:x"' : `a${k}="1"`)).join(' ');
    expect(tokenize(`<r ${attrs(32)}/>`).error).toBeNull();
    expect(fatal(`<r ${attrs(33)}/>`)).toMatch(/too many/);
    // 'é' is two bytes: a name of 128 of them is 256 bytes; with a prefix the prefix counts.
    expect(tokenize(`<${'é'.repeat(128)}/>`).error).toBeNull();
    expect(fatal(`<${'é'.repeat(128)}x/>`)).toMatch(/name too long/);
    expect(tokenize(`<p:${'a'.repeat(254)} xmlns:p="urn:x"/>`).error).toBeNull();
    expect(fatal(`<p:${'a'.repeat(255)} xmlns:p="urn:x"/>`)).toMatch(/name too long/);
    expect(tokenize(`<r ${'b'.repeat(256)}="1"/>`).error).toBeNull();
    expect(fatal(`<r ${'b'.repeat(257)}="1"/>`)).toMatch(/name too long/);
  });

  it('rejects over-long names, too many attributes and deep nesting', () => {
    expect(fatal(`<${'a'.repeat(300)}/>`)).toMatch(/name too long/);
    expect(fatal(`<r ${Array.from({ length: 40 }, (_, k) => `a${k}="1"`).join(' ')}/>`)).toMatch(/too many/);
    expect(fatal(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`)).toMatch(/deeply/);
  });
});
