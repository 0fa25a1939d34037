/**
 * The CSV of the reference-data inputs (enrolment.md): UTF-8, RFC 4180 (quoted fields may
 * hold commas, doubled quotes and line breaks; CRLF or LF line ends), a header row required,
 * columns in any order, unknown columns refused, `#` comment lines and blank lines ignored.
 * Pure: text in, rows with their line numbers or the numbered problems out.
 */

export interface CsvRow {
  /** 1-based line number of the row's first line in the file. */
  readonly line: number;
  readonly values: Readonly<Record<string, string>>;
}

export interface CsvProblem {
  readonly line: number;
  readonly message: string;
}

export type CsvResult = { readonly ok: true; readonly rows: readonly CsvRow[] } | { readonly ok: false; readonly problems: readonly CsvProblem[] };

/** Splits the text into records of fields, each with the line it starts on. */
function records(text: string, problems: CsvProblem[]): Array<{ line: number; fields: string[]; blankOrComment: boolean }> {
  const out: Array<{ line: number; fields: string[]; blankOrComment: boolean }> = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    // A comment line starts with '#'; a blank line holds nothing but spaces and tabs.
    let end = text.indexOf('\n', i);
    if (end < 0) end = n;
    if (text[i] === '#' || /^[ \t]*\r?$/.test(text.slice(i, end))) {
      i = end;
      i++;
      line++;
      out.push({ line: start, fields: [], blankOrComment: true });
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let atFieldStart = true;
    let bad = false;
    for (;;) {
      if (i >= n) {
        if (quoted) {
          problems.push({ line: start, message: 'a quoted field is not closed before the end of the file' });
          bad = true;
        }
        fields.push(field);
        break;
      }
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
            const next = text[i];
            if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
              problems.push({ line, message: 'text after a closing quote' });
              bad = true;
            }
          }
        } else {
          if (c === '\n') line++;
          field += c;
          i++;
        }
        continue;
      }
      if (c === '"' && atFieldStart) {
        quoted = true;
        atFieldStart = false;
        i++;
        continue;
      }
      if (c === '"') {
        problems.push({ line, message: 'a quote inside an unquoted field' });
        bad = true;
      }
      if (c === ',') {
        fields.push(field);
        field = '';
        atFieldStart = true;
        i++;
        continue;
      }
      if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
        fields.push(field);
        i += c === '\r' ? 2 : 1;
        line++;
        break;
      }
      field += c;
      atFieldStart = false;
      i++;
    }
    if (!bad) out.push({ line: start, fields, blankOrComment: false });
    else out.push({ line: start, fields: [], blankOrComment: true });
  }
  return out;
}

/**
 * Parses the text against the columns a file of this kind has: `required` must all be in
 * the header, `optional` may be, anything else is refused. Every problem is reported with
 * its line; a file with any problem yields no rows.
 */
export function parseCsv(text: string, required: readonly string[], optional: readonly string[] = []): CsvResult {
  const problems: CsvProblem[] = [];
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const recs = records(body, problems);
  const headerAt = recs.findIndex((r) => !r.blankOrComment);
  if (headerAt < 0) return { ok: false, problems: [...problems, { line: 1, message: 'no header row' }] };
  const header = recs[headerAt]!;
  const names = header.fields.map((f) => f.trim());
  const known = new Set([...required, ...optional]);
  for (const name of names) if (!known.has(name)) problems.push({ line: header.line, message: `unknown column ${JSON.stringify(name)} (columns: ${[...required, ...optional].join(', ')})` });
  for (const name of required) if (!names.includes(name)) problems.push({ line: header.line, message: `column ${name} missing` });
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) problems.push({ line: header.line, message: `column ${name} repeated` });
    seen.add(name);
  }
  const rows: CsvRow[] = [];
  for (const r of recs.slice(headerAt + 1)) {
    if (r.blankOrComment) continue;
    if (r.fields.length !== names.length) {
      problems.push({ line: r.line, message: `${r.fields.length} fields, the header has ${names.length}` });
      continue;
    }
    rows.push({ line: r.line, values: Object.fromEntries(names.map((name, k) => [name, r.fields[k]!])) });
  }
  problems.sort((a, b) => a.line - b.line);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
}
