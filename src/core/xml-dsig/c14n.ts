/**
 * Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization 1.0, both without
 * comments, of an element of a parsed document (dom.ts). Enough of both for XML-DSig over
 * element and text content: the document apex (Reference URI "") and the SignedInfo subtree.
 */
import type { XmlElement } from './dom.js';

export const C14N_INCLUSIVE = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
export const C14N_EXCLUSIVE = 'http://www.w3.org/2001/10/xml-exc-c14n#';

export interface CanonicalOptions {
  readonly exclusive: boolean;
  /** Elements left out with their subtree (the enveloped-signature transform). */
  readonly omit?: (el: XmlElement) => boolean;
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTR_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };

export function escapeText(v: string): string {
  return v.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]!);
}

export function escapeAttribute(v: string): string {
  return v.replace(/[&<"\t\n\r]/g, (c) => ATTR_ESCAPES[c]!);
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The canonical form of `apex` and its subtree. Inclusive: the apex renders every namespace
 * in scope (its ancestors' too, as a document subset would); exclusive: each element renders
 * only the prefixes it visibly uses, where an output ancestor has not rendered them already.
 */
export function canonicalize(apex: XmlElement, options: CanonicalOptions): string {
  const out: string[] = [];
  const walk = (el: XmlElement, rendered: ReadonlyMap<string, string>): void => {
    if (options.omit?.(el) === true) return;
    const wanted = new Map<string, string>();
    if (options.exclusive) {
      wanted.set(el.prefix ?? '', el.ns);
      for (const a of el.attributes) if (a.prefix !== null && a.prefix !== 'xml') wanted.set(a.prefix, a.ns!);
    } else {
      for (const [p, uri] of el.inScope) if (p !== 'xml') wanted.set(p, uri);
      if (!wanted.has('')) wanted.set('', '');
    }
    const mine = new Map(rendered);
    const decls: Array<[string, string]> = [];
    for (const [p, uri] of wanted) {
      if ((rendered.get(p) ?? '') === uri) continue;
      decls.push([p, uri]);
      mine.set(p, uri);
    }
    decls.sort(([a], [b]) => byCodePoint(a, b));
    const attrs = [...el.attributes].sort((a, b) => byCodePoint(a.ns ?? '', b.ns ?? '') || byCodePoint(a.local, b.local));
    out.push('<', el.name);
    for (const [p, uri] of decls) out.push(p === '' ? ' xmlns="' : ` xmlns:${p}="`, escapeAttribute(uri), '"');
    for (const a of attrs) out.push(' ', a.name, '="', escapeAttribute(a.value), '"');
    out.push('>');
    for (const c of el.children) {
      if (c.kind === 'text') out.push(escapeText(c.value));
      else walk(c, mine);
    }
    out.push('</', el.name, '>');
  };
  walk(apex, new Map());
  return out.join('');
}
