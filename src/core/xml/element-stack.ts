import { XML_NS, type XmlStartTag } from './types.js';

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
// An over-long namespace URI was already reported as a limit failure; it matches nothing.
const OVERLONG_URI = '\u0000';
const HAS_CHILD = 1, HAS_TEXT = 2;
// Elements without attributes (nearly all of them) share one empty, never-written map.
const NO_ATTRS: ReadonlyMap<string, string | null> = new Map();
const RESOLVED_CACHE_MAX = 256;

interface Resolved {
  readonly ns: string | null;
  readonly local: string;
}

/**
 * Open elements with their in-scope namespace bindings (XML Namespaces 1.0): resolves
 * prefixes, catches mismatched end tags, duplicate attributes and mixed content.
 * Frames and bindings live in arrays indexed by depth and count (stale entries past the
 * count are ignored), so opening and closing an element allocates nothing but its event.
 */
export class ElementStack {
  private top = 0; // depth
  private readonly qnames: string[] = [];
  private readonly marks: Int32Array; // bindings in scope before each frame's own
  private readonly flags: Uint8Array;
  private bindings = 1;
  private readonly prefixes: string[] = ['xml'];
  private readonly uris: string[] = [XML_NS];
  // Element names resolved under the current bindings; emptied whenever the bindings change.
  private readonly resolved = new Map<string, Resolved>();

  constructor(private readonly maxDepth: number) {
    this.marks = new Int32Array(maxDepth);
    this.flags = new Uint8Array(maxDepth);
  }

  get depth(): number {
    return this.top;
  }

  /** Qualified name of the innermost open element ('' when none). */
  get openName(): string {
    return this.top === 0 ? '' : this.qnames[this.top - 1]!;
  }

  /** Records non-whitespace text in the current element; false when it already has a child. */
  markText(): boolean {
    if (this.top === 0) return true;
    const f = this.flags[this.top - 1]!;
    this.flags[this.top - 1] = f | HAS_TEXT;
    return (f & HAS_CHILD) === 0;
  }

  /** Opens an element; returns its event, or the reason it is not namespace-well-formed. */
  open(qname: string, names: readonly string[], values: readonly (string | null)[], offset: number): XmlStartTag | string {
    if (this.top >= this.maxDepth) return 'elements nested too deeply';
    if (this.top > 0) {
      const f = this.flags[this.top - 1]!;
      if ((f & HAS_TEXT) !== 0) return 'character data in an element that has child elements';
      this.flags[this.top - 1] = f | HAS_CHILD;
    }
    const bindings = this.bindings;
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
    const resolved = this.resolveElement(qname);
    if (resolved === null) return this.unwind(bindings, `unbound or malformed element name '${qname}'`);
    let attrs = NO_ATTRS;
    if (names.length > 0) {
      const map = new Map<string, string | null>();
      const expanded: string[] = [];
      for (let k = 0; k < names.length; k++) {
        const name = names[k]!;
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
        const r = this.resolveQName(name, false);
        if (r === null) return this.unwind(bindings, `unbound or malformed attribute name '${name}'`);
        if (r.ns === null) map.set(r.local, values[k] ?? null);
        else {
          const key = `${r.ns} ${r.local}`;
          if (expanded.includes(key)) return this.unwind(bindings, `duplicate attribute '${name}'`);
          expanded.push(key);
        }
      }
      attrs = map;
    }
    const depth = this.top++;
    this.qnames[depth] = qname;
    this.marks[depth] = bindings;
    this.flags[depth] = 0;
    return { ns: resolved.ns, local: resolved.local, attrs, offset, depth };
  }

  /** Closes the current element; returns a reason when the end tag does not match. */
  close(qname: string): string | null {
    if (this.top === 0 || this.qnames[this.top - 1] !== qname) return `end tag '${qname}' does not match`;
    this.top--;
    this.unwind(this.marks[this.top]!, null);
    return null;
  }

  private bind(prefix: string, uri: string): void {
    this.prefixes[this.bindings] = prefix;
    this.uris[this.bindings] = uri;
    this.bindings++;
    this.resolved.clear();
  }

  private unwind<T>(bindings: number, result: T): T {
    if (this.bindings !== bindings) {
      this.bindings = bindings;
      this.resolved.clear();
    }
    return result;
  }

  private lookup(prefix: string): string | undefined {
    for (let k = this.bindings - 1; k >= 0; k--) if (this.prefixes[k] === prefix) return this.uris[k];
    return undefined;
  }

  /** resolveQName for an element name, remembered while the bindings stay the same. */
  private resolveElement(qname: string): Resolved | null {
    const hit = this.resolved.get(qname);
    if (hit !== undefined) return hit;
    const r = this.resolveQName(qname, true);
    if (r !== null && this.resolved.size < RESOLVED_CACHE_MAX) this.resolved.set(qname, r);
    return r;
  }

  private resolveQName(qname: string, isElement: boolean): Resolved | null {
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
