import { XML_NS, type XmlStartTag } from './types.js';

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
// An over-long namespace URI was already reported as a limit failure; it matches nothing.
const OVERLONG_URI = '\u0000';

interface Frame {
  readonly qname: string;
  readonly bindings: number;
  hasChild: boolean;
  hasText: boolean;
}

/**
 * Open elements with their in-scope namespace bindings (XML Namespaces 1.0): resolves
 * prefixes, catches mismatched end tags, duplicate attributes and mixed content.
 */
export class ElementStack {
  private readonly frames: Frame[] = [];
  private readonly prefixes: string[] = ['xml'];
  private readonly uris: string[] = [XML_NS];

  constructor(private readonly maxDepth: number) {}

  get depth(): number {
    return this.frames.length;
  }

  /** Records non-whitespace text in the current element; false when it already has a child. */
  markText(): boolean {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined) return true;
    top.hasText = true;
    return !top.hasChild;
  }

  /** Opens an element; returns its event, or the reason it is not namespace-well-formed. */
  open(qname: string, names: readonly string[], values: readonly (string | null)[], offset: number): XmlStartTag | string {
    if (this.frames.length >= this.maxDepth) return 'elements nested too deeply';
    const parent = this.frames[this.frames.length - 1];
    if (parent !== undefined) {
      if (parent.hasText) return 'character data in an element that has child elements';
      parent.hasChild = true;
    }
    const bindings = this.prefixes.length;
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      for (let j = 0; j < k; j++) if (names[j] === name) return `duplicate attribute '${name}'`;
      const value = values[k] ?? OVERLONG_URI;
      if (name === 'xmlns') {
        if (value === XML_NS || value === XMLNS_NS) return 'reserved namespace bound as default';
        this.bind('', value);
      } else if (name.startsWith('xmlns:')) {
        const prefix = name.slice(6);
        if (!validNcName(prefix) || prefix === 'xmlns') return `bad namespace prefix '${prefix}'`;
        if (value === '') return `namespace prefix '${prefix}' bound to an empty URI`;
        if ((prefix === 'xml') !== (value === XML_NS) || value === XMLNS_NS) return `bad binding for prefix '${prefix}'`;
        this.bind(prefix, value);
      }
    }
    const resolved = this.resolveQName(qname, true);
    if (resolved === null) return this.unwind(bindings, `unbound or malformed element name '${qname}'`);
    const attrs = new Map<string, string | null>();
    const expanded: string[] = [];
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const r = this.resolveQName(name, false);
      if (r === null) return this.unwind(bindings, `unbound or malformed attribute name '${name}'`);
      if (r.ns === null) attrs.set(r.local, values[k] ?? null);
      else {
        const key = `${r.ns} ${r.local}`;
        if (expanded.includes(key)) return this.unwind(bindings, `duplicate attribute '${name}'`);
        expanded.push(key);
      }
    }
    this.frames.push({ qname, bindings, hasChild: false, hasText: false });
    return { ns: resolved.ns, local: resolved.local, attrs, offset, depth: this.frames.length - 1 };
  }

  /** Closes the current element; returns a reason when the end tag does not match. */
  close(qname: string): string | null {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined || top.qname !== qname) return `end tag '${qname}' does not match`;
    this.frames.pop();
    this.prefixes.length = top.bindings;
    this.uris.length = top.bindings;
    return null;
  }

  private bind(prefix: string, uri: string): void {
    this.prefixes.push(prefix);
    this.uris.push(uri);
  }

  private unwind(bindings: number, reason: string): string {
    this.prefixes.length = bindings;
    this.uris.length = bindings;
    return reason;
  }

  private lookup(prefix: string): string | undefined {
    for (let k = this.prefixes.length - 1; k >= 0; k--) if (this.prefixes[k] === prefix) return this.uris[k];
    return undefined;
  }

  private resolveQName(qname: string, isElement: boolean): { ns: string | null; local: string } | null {
    const colon = qname.indexOf(':');
    if (colon < 0) {
      if (!isElement) return { ns: null, local: qname };
      const ns = this.lookup('');
      return { ns: ns === undefined || ns === '' ? null : ns, local: qname };
    }
    const prefix = qname.slice(0, colon);
    const local = qname.slice(colon + 1);
    if (!validNcName(prefix) || !validNcName(local)) return null;
    if (prefix === 'xmlns') return null;
    const ns = this.lookup(prefix);
    if (ns === undefined) return null;
    return { ns, local };
  }
}

function validNcName(s: string): boolean {
  return s.length > 0 && !s.includes(':') && !/^[0-9.-]/.test(s);
}
