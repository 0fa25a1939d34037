/**
 * A small reader for the block-style YAML of deploy/kubernetes/ (issue 12), so the test can
 * check the manifests without a YAML dependency. It reads what those files use and refuses
 * the rest with the line number, rather than guessing:
 *
 * - `---` between documents; `#` comments (whole-line, and after a plain scalar);
 * - block maps (`key: value`, keys of [A-Za-z0-9_.\/-]) and block sequences (`- item`,
 *   indented under their key or at the key's own indentation, `- key: value` starting a map);
 * - scalars: plain, 'single' and "double" quoted; `{}` and `[]`; a flow sequence of scalars;
 * - block literals `|` and `|-` (the JSON config file, PEM placeholders).
 *
 * Plain scalars are typed the way Kubernetes' YAML 1.1 reader types them where that is
 * unambiguous: null/~, true/false, integers (a leading 0 is octal, as `defaultMode: 0440`),
 * decimals. yes/no/on/off are refused unquoted: YAML 1.1 reads them as booleans and 1.2 as
 * strings, so a manifest must quote them to mean one thing everywhere. Duplicate keys are
 * refused too (the API server keeps the last one silently).
 */

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

const KEY = /^([A-Za-z0-9_./-]+):(?:[ ]+(.*))?$/;
const AMBIGUOUS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

class Reader {
  private pos = 0;

  constructor(private readonly lines: string[], private readonly firstLine: number) {}

  fail(message: string, at = this.pos): never {
    throw new Error(`yaml line ${this.firstLine + at}: ${message}`);
  }

  /** Moves past blank and comment-only lines; the index of the next significant line, or -1. */
  private next(): number {
    while (this.pos < this.lines.length) {
      const t = this.lines[this.pos]!.trim();
      if (t !== '' && !t.startsWith('#')) return this.pos;
      this.pos++;
    }
    return -1;
  }

  private indent(i: number): number {
    const line = this.lines[i]!;
    if (/^\t/.test(line)) this.fail('a tab in indentation', i);
    return line.length - line.trimStart().length;
  }

  private isItem(i: number): boolean {
    const t = this.lines[i]!.trimStart();
    return t === '-' || t.startsWith('- ');
  }

  document(): YamlValue {
    const value = this.node(0);
    if (this.next() !== -1) this.fail('unexpected content after the document');
    return value;
  }

  /** The node that starts on the next significant line, if it is indented at least `min`. */
  private node(min: number): YamlValue {
    const i = this.next();
    if (i === -1 || this.indent(i) < min) return null;
    return this.isItem(i) ? this.sequence(this.indent(i)) : this.map(this.indent(i));
  }

  private map(at: number): YamlValue {
    const out: { [key: string]: YamlValue } = {};
    for (let i = this.next(); i !== -1 && this.indent(i) >= at; i = this.next()) {
      if (this.indent(i) > at) this.fail(`indentation ${this.indent(i)}, expected ${at}`);
      if (this.isItem(i)) break; // a sequence at its key's own indentation ends here
      const m = KEY.exec(this.lines[i]!.trim());
      if (m === null) this.fail(`expected 'key: value', got '${this.lines[i]!.trim()}'`);
      const key = m[1]!;
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`duplicate key '${key}'`);
      const rest = m[2] ?? '';
      this.pos++;
      out[key] = this.value(rest, at, true);
    }
    return out;
  }

  private sequence(at: number): YamlValue {
    const out: YamlValue[] = [];
    for (let i = this.next(); i !== -1 && this.indent(i) === at && this.isItem(i); i = this.next()) {
      const rest = this.lines[i]!.trimStart().slice(1).trimStart();
      if (KEY.test(rest)) {
        // `- key: value`: a map whose first key sits two columns in; read it as such.
        this.lines[i] = `${' '.repeat(at + 2)}${rest}`;
        out.push(this.map(at + 2));
      } else {
        this.pos++;
        out.push(this.value(rest, at, false));
      }
    }
    return out;
  }

  /** What follows `key:` or `- `: inline, a block literal, or a nested node below. */
  private value(rest: string, at: number, inMap: boolean): YamlValue {
    const text = stripComment(rest);
    if (text === '|' || text === '|-') return this.literal(at, text === '|-');
    if (/^[|>]/.test(text)) this.fail(`block scalar '${text}' is not supported (use | or |-)`, this.pos - 1);
    if (text !== '') return this.scalar(text);
    const i = this.next();
    if (i === -1) return null;
    if (this.indent(i) > at) return this.node(at + 1);
    // Kubernetes style: a key's sequence may start at the key's own indentation.
    if (inMap && this.indent(i) === at && this.isItem(i)) return this.sequence(at);
    return null;
  }

  private literal(at: number, strip: boolean): string {
    const body: string[] = [];
    let blockIndent = -1;
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.trim() === '') {
        body.push('');
        this.pos++;
        continue;
      }
      const ind = line.length - line.trimStart().length;
      if (blockIndent === -1) {
        if (ind <= at) break;
        blockIndent = ind;
      }
      if (ind < blockIndent) break;
      body.push(line.slice(blockIndent));
      this.pos++;
    }
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    const text = body.join('\n');
    return strip || text === '' ? text : `${text}\n`;
  }

  private scalar(text: string): YamlValue {
    if (text.startsWith('"')) {
      if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) this.fail(`unterminated or trailing text after ${text}`, this.pos - 1);
      return JSON.parse(text) as string;
    }
    if (text.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(text)) this.fail(`unterminated or trailing text after ${text}`, this.pos - 1);
      return text.slice(1, -1).replace(/''/g, "'");
    }
    if (text === '{}') return {};
    if (text === '[]') return [];
    if (text.startsWith('[')) {
      if (!text.endsWith(']') || /[[\]{}]/.test(text.slice(1, -1))) this.fail(`only a flat flow sequence of scalars is supported: ${text}`, this.pos - 1);
      return text.slice(1, -1).split(',').map((s) => this.scalar(s.trim()));
    }
    if (/^[{&*!%@`]/.test(text)) this.fail(`'${text}': flow maps, anchors, aliases and tags are not supported`, this.pos - 1);
    if (AMBIGUOUS.test(text)) this.fail(`'${text}' is a boolean in YAML 1.1 and a string in 1.2: quote it`, this.pos - 1);
    if (text === 'null' || text === '~') return null;
    if (text === 'true' || text === 'false') return text === 'true';
    if (/^-?0[0-7]+$/.test(text)) return parseInt(text, 8);
    if (/^-?(?:0|[1-9][0-9]*)$/.test(text)) return Number(text);
    if (/^-?[0-9]+\.[0-9]+$/.test(text)) return Number(text);
    if (/^-?0[0-9]+$/.test(text)) this.fail(`'${text}' is neither decimal nor octal: quote it`, this.pos - 1);
    if (/: |:$/.test(text)) this.fail(`'${text}': a plain scalar cannot hold ': ' (quote it)`, this.pos - 1);
    return text;
  }
}

/** A plain scalar's trailing comment (` #...`) goes; quoted text keeps its `#`. */
function stripComment(text: string): string {
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = text[0]!;
    let i = 1;
    while (i < text.length) {
      if (q === '"' && text[i] === '\\') i += 2;
      else if (text[i] === q && q === "'" && text[i + 1] === "'") i += 2;
      else if (text[i] === q) break;
      else i++;
    }
    const after = text.slice(i + 1);
    if (after.trim() !== '' && !/^\s+#/.test(after)) return text; // let scalar() report it
    return text.slice(0, i + 1);
  }
  const hash = text.search(/(^|\s)#/);
  return (hash === -1 ? text : text.slice(0, hash)).trim();
}

/** Every document of a multi-document YAML text (empty documents, e.g. a leading `---`, are skipped). */
export function parseYamlDocuments(text: string): YamlValue[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const docs: YamlValue[] = [];
  let start = 0;
  const flush = (end: number): void => {
    const chunk = lines.slice(start, end);
    if (chunk.some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) docs.push(new Reader(chunk, start + 1).document());
  };
  lines.forEach((line, i) => {
    if (/^---\s*(#.*)?$/.test(line)) {
      flush(i);
      start = i + 1;
    }
  });
  flush(lines.length);
  return docs;
}
