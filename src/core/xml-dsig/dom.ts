/**
 * A strict parser of small, bounded XML documents (a DUIS alert, a few KiB) into a tree that
 * keeps what canonicalisation needs: prefixes, namespace declarations, attribute order and
 * every text node, whitespace included. No DOCTYPE (so no entities but the five predefined),
 * no processing instructions but the XML declaration; comments are dropped (the c14n used
 * for signatures is the one without comments). The MCF stream has its own tokenizer; this
 * one serves alert verification, where exact canonical bytes matter more than speed.
 */

export const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
export const XML_URI = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttribute {
  /** The qualified name as written (`prefix:local` or `local`). */
  readonly name: string;
  readonly prefix: string | null;
  readonly local: string;
  /** Namespace URI of a prefixed attribute; null for an unprefixed one. */
  readonly ns: string | null;
  readonly value: string;
}

export interface XmlElement {
  readonly kind: 'element';
  readonly name: string;
  readonly prefix: string | null;
  readonly local: string;
  /** Namespace URI of the element ('' when in no namespace). */
  readonly ns: string;
  /** Namespace declarations written on this element: prefix ('' for the default) to URI. */
  readonly declarations: ReadonlyMap<string, string>;
  /** Every prefix in scope here, declarations of ancestors included. */
  readonly inScope: ReadonlyMap<string, string>;
  readonly attributes: readonly XmlAttribute[];
  readonly children: Array<XmlElement | XmlText>;
  parent: XmlElement | null;
}

export interface XmlText {
  readonly kind: 'text';
  readonly value: string;
}

export type ParseResult = { ok: true; root: XmlElement } | { ok: false; reason: string };

export const MAX_DOCUMENT_CHARS = 256 * 1024;
const MAX_DEPTH = 32;
const NAME = /^[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?$/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
// XML 1.0 Char, minus the surrogate halves JavaScript strings can hold unpaired.
const BAD_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

class Fail extends Error {}

function fail(reason: string): never {
  throw new Fail(reason);
}

function decodeReferences(raw: string, where: string): string {
  return raw.replace(/&([^;]{0,12});?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) fail(`a bare '&' in ${where}`);
    if (body.startsWith('#')) {
      const cp = body.startsWith('#x') ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      const ok = /^#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7})$/.test(body) && Number.isInteger(cp) && cp <= 0x10ffff;
      const ch = ok ? String.fromCodePoint(cp) : '';
      if (!ok || BAD_CHAR.test(ch)) fail(`a character reference to a character XML does not allow in ${where}`);
      return ch;
    }
    const v = PREDEFINED[body];
    if (v === undefined) fail(`an entity reference &${body}; in ${where} (only the five predefined ones exist without a DOCTYPE)`);
    return v;
  });
}

function split(name: string): [string | null, string] {
  const at = name.indexOf(':');
  return at < 0 ? [null, name] : [name.slice(0, at), name.slice(at + 1)];
}

/** Parses a whole document; every failure is a reason, never a throw. */
export function parseXmlDocument(input: string): ParseResult {
  try {
    return { ok: true, root: parse(input) };
  } catch (err) {
    if (err instanceof Fail) return { ok: false, reason: err.message };
    throw err;
  }
}

function parse(input: string): XmlElement {
  if (input.length > MAX_DOCUMENT_CHARS) fail(`larger than ${MAX_DOCUMENT_CHARS} characters`);
  // Line ends are normalised before parsing (XML 1.0, 2.11); a CR written as &#13; survives.
  const s = (input.startsWith('\uFEFF') ? input.slice(1) : input).replace(/\r\n?/g, '\n');
  if (BAD_CHAR.test(s)) fail('a character XML does not allow');
  let pos = 0;
  const decl = /^<\?xml\s+version\s*=\s*(["'])1\.0\1(\s+encoding\s*=\s*(["'])[A-Za-z0-9._-]+\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*\?>/.exec(s);
  if (decl !== null) pos = decl[0].length;
  else if (s.startsWith('<?xml')) fail('a malformed XML declaration');
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (pos < s.length) {
    const lt = s.indexOf('<', pos);
    const text = s.slice(pos, lt < 0 ? s.length : lt);
    if (text.length > 0) {
      const parent = stack.at(-1);
      if (parent === undefined) {
        if (/[^ \t\n]/.test(text)) fail('text outside the root element');
      } else {
        if (text.includes(']]>')) fail("']]>' in text");
        parent.children.push({ kind: 'text', value: decodeReferences(text, `<${parent.name}>`) });
      }
    }
    if (lt < 0) break;
    pos = lt;
    if (s.startsWith('<!--', pos)) {
      const end = s.indexOf('-->', pos + 4);
      if (end < 0 || s.slice(pos + 4, end).includes('--')) fail('a malformed comment');
      pos = end + 3;
    } else if (s.startsWith('<![CDATA[', pos)) {
      const parent = stack.at(-1) ?? fail('CDATA outside the root element');
      const end = s.indexOf(']]>', pos + 9);
      if (end < 0) fail('an unterminated CDATA section');
      parent.children.push({ kind: 'text', value: s.slice(pos + 9, end) });
      pos = end + 3;
    } else if (s.startsWith('<!', pos)) {
      fail('a DOCTYPE or other declaration (not allowed)');
    } else if (s.startsWith('<?', pos)) {
      fail('a processing instruction (not allowed)');
    } else if (s.startsWith('</', pos)) {
      const m = /^<\/([^\s>]+)\s*>/.exec(s.slice(pos, pos + 300));
      const open = stack.pop();
      if (m === null || open === undefined || m[1] !== open.name) fail(`a mismatched end tag at character ${pos}`);
      pos += m[0].length;
      if (stack.length === 0) root = open;
    } else {
      if (root !== null) fail('a second root element');
      const [next, el] = startTag(s, pos, stack);
      pos = next;
      if (stack.length === 0) root = el;
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.name}> is not closed`);
  return root ?? fail('no root element');
}

/**
 * Reads a start tag at `pos`, pushes its element (pops it at once when empty), returns the
 * position after it. A '>' inside an attribute value is refused (malformed attribute), not
 * misread: nothing this product reads writes one.
 */
function startTag(s: string, pos: number, stack: XmlElement[]): [number, XmlElement] {
  const end = s.indexOf('>', pos);
  if (end < 0) fail('an unterminated start tag');
  let body = s.slice(pos + 1, end);
  const empty = body.endsWith('/');
  if (empty) body = body.slice(0, -1);
  const nameMatch = /^[^\s/>]+/.exec(body);
  const name = nameMatch?.[0] ?? fail(`a start tag without a name at character ${pos}`);
  if (!NAME.test(name)) fail(`a bad element name '${name.slice(0, 40)}'`);
  const raw: Array<[string, string]> = [];
  const attrRe = /\s+([^\s=]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/gy;
  let at = name.length;
  for (attrRe.lastIndex = at; ; ) {
    const m = attrRe.exec(body);
    if (m === null) break;
    raw.push([m[1]!, (m[2] ?? m[3])!]);
    at = attrRe.lastIndex;
  }
  if (body.slice(at).trim() !== '') fail(`a malformed attribute in <${name}>`);
  const parent = stack.at(-1) ?? null;
  if (stack.length >= MAX_DEPTH) fail(`deeper than ${MAX_DEPTH} elements`);
  const declarations = new Map<string, string>();
  const inScope = new Map(parent?.inScope ?? [['xml', XML_URI]]);
  const plain: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [qname, rawValue] of raw) {
    if (!NAME.test(qname)) fail(`a bad attribute name '${qname.slice(0, 40)}'`);
    if (seen.has(qname)) fail(`attribute ${qname} twice in <${name}>`);
    seen.add(qname);
    // Attribute-value normalisation: literal whitespace characters become spaces; references keep theirs.
    const value = decodeReferences(rawValue.replace(/[\t\n]/g, ' '), `an attribute of <${name}>`);
    if (qname === 'xmlns' || qname.startsWith('xmlns:')) {
      const prefix = qname === 'xmlns' ? '' : qname.slice(6);
      if (prefix === 'xmlns' || (prefix === 'xml') !== (value === XML_URI) || (prefix !== '' && value === '')) fail(`a reserved or empty namespace declaration ${qname}`);
      declarations.set(prefix, value);
      inScope.set(prefix, value);
    } else plain.push([qname, value]);
  }
  const [prefix, local] = split(name);
  const ns = prefix === null ? (inScope.get('') ?? '') : (inScope.get(prefix) ?? fail(`prefix '${prefix}' of <${name}> is not declared`));
  const attributes: XmlAttribute[] = plain.map(([qname, value]) => {
    const [p, l] = split(qname);
    return { name: qname, prefix: p, local: l, ns: p === null ? null : (inScope.get(p) ?? fail(`prefix '${p}' of attribute ${qname} is not declared`)), value };
  });
  const expanded = new Set(attributes.map((a) => `${a.ns ?? ''}|${a.local}`));
  if (expanded.size !== attributes.length) fail(`two attributes of <${name}> with the same expanded name`);
  const el: XmlElement = { kind: 'element', name, prefix, local, ns, declarations, inScope, attributes, children: [], parent };
  parent?.children.push(el);
  stack.push(el);
  if (empty) stack.pop();
  return [end + 1, el];
}
