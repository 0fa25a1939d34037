/**
 * PromQL read as far as the deploy tests need it: which metrics an expression selects (with
 * their label matchers), and its operands around comparison and set operators. A tokenizer,
 * not a parser: Prometheus itself is the parser (the integration test has every expression
 * parsed by a real server); this only has to find names and split at depth 0, and the unit
 * test pins what it finds on the real rules and dashboard.
 */

interface Token { readonly kind: 'ident' | 'number' | 'string' | 'punct' | 'op'; readonly text: string; readonly start: number; readonly end: number }

const OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '>', '<', '=', '+', '-', '*', '/', '%', '^', '@'];
/** Words that are never metric names where they stand (binary operators, modifiers, Inf/NaN). */
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'atan2', 'inf', 'nan']);
/** Keywords followed by a list of label names in parentheses. */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      for (i++; i < expr.length && expr[i] !== c; i++) if (expr[i] === '\\' && c !== '`') i++;
      if (i >= expr.length) throw new Error(`unterminated string at ${start} in ${expr}`);
      out.push({ kind: 'string', text: expr.slice(start + 1, i), start, end: ++i });
    } else if (/[0-9.]/.test(c)) {
      // Numbers and durations (0.95, 1e3, 5m, 1h30m) are one token; none of them is a name.
      while (i < expr.length && (/[0-9A-Za-z._]/.test(expr[i]!) || (/[eE]/.test(expr[i - 1]!) && /[+-]/.test(expr[i]!)))) i++;
      out.push({ kind: 'number', text: expr.slice(start, i), start, end: i });
    } else if (c === '$') {
      // A Grafana variable where a duration stands ([$__rate_interval]): a value, never a name.
      const m = /^\$(?:\{\w+\}|\w+)/.exec(expr.slice(i));
      if (m === null) throw new Error(`unexpected "$" at ${i} in ${expr}`);
      i += m[0].length;
      out.push({ kind: 'number', text: m[0], start, end: i });
    } else if (/[A-Za-z_:]/.test(c)) {
      while (i < expr.length && /[A-Za-z0-9_:]/.test(expr[i]!)) i++;
      out.push({ kind: 'ident', text: expr.slice(start, i), start, end: i });
    } else if ('(){}[],'.includes(c)) {
      out.push({ kind: 'punct', text: c, start, end: ++i });
    } else {
      const op = OPERATORS.find((o) => expr.startsWith(o, i));
      if (op === undefined) throw new Error(`unexpected ${JSON.stringify(c)} at ${i} in ${expr}`);
      i += op.length;
      out.push({ kind: 'op', text: op, start, end: i });
    }
  }
  return out;
}

/** Index of the bracket closing the one at `open`. */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if ('({['.includes(tokens[i]!.text) && tokens[i]!.kind === 'punct') depth++;
    else if (')}]'.includes(tokens[i]!.text) && tokens[i]!.kind === 'punct' && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${tokens[open]!.text}`);
}

export interface Matcher { readonly label: string; readonly op: string; readonly value: string }
export interface Selector { readonly metric: string; readonly matchers: readonly Matcher[] }

/** The vector selectors of an expression: `metric{label op "value", ...}` (a bare `{__name__=...}` too). */
export function selectors(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const out: Selector[] = [];
  const matchersAt = (open: number): { matchers: Matcher[]; end: number } => {
    const end = closing(tokens, open);
    const matchers: Matcher[] = [];
    for (let j = open + 1; j + 2 < end && tokens[j]!.kind === 'ident'; j += 4) {
      matchers.push({ label: tokens[j]!.text, op: tokens[j + 1]!.text, value: tokens[j + 2]!.text });
    }
    return { matchers, end };
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'punct' && t.text === '[') {
      i = closing(tokens, i); // a range or subquery: durations only
    } else if (t.kind === 'punct' && t.text === '{') {
      const { matchers, end } = matchersAt(i);
      out.push({ metric: matchers.find((m) => m.label === '__name__' && m.op === '=')?.value ?? '', matchers });
      i = end;
    } else if (t.kind === 'ident') {
      const word = t.text.toLowerCase();
      if (LABEL_LISTS.has(word) && next?.text === '(') i = closing(tokens, i + 1);
      else if (KEYWORDS.has(word) || next?.text === '(' || (AGGREGATIONS.has(word) && (next?.text === 'by' || next?.text === 'without'))) continue;
      else if (next?.text === '{') {
        const { matchers, end } = matchersAt(i + 1);
        out.push({ metric: t.text, matchers });
        i = end;
      } else {
        out.push({ metric: t.text, matchers: [] });
      }
    }
  }
  return out;
}

/** The metric names an expression selects, each once. */
export function metricNames(expr: string): string[] {
  return [...new Set(selectors(expr).map((s) => s.metric))];
}

/**
 * The operands of an expression's comparison and set operators (==, !=, >, <, >=, <=, and,
 * or, unless), found at depth 0 and recursively inside parentheses, with their `bool`,
 * `on (...)`, `ignoring (...)` and `group_left/right (...)` modifiers dropped. An expression
 * with none of these operators is its own single operand; operands that select nothing (the
 * threshold literals) are left out. Arithmetic stays inside an operand: `0.95 * max(x)` is one.
 */
export function operands(expr: string): string[] {
  const tokens = tokenize(expr);
  if (tokens.length === 0) return [];
  // Wholly in parentheses: what is inside.
  if (tokens[0]!.text === '(' && closing(tokens, 0) === tokens.length - 1) return operands(expr.slice(tokens[0]!.end, tokens.at(-1)!.start));
  const pieces: string[] = [];
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && '({['.includes(t.text)) {
      i = closing(tokens, i);
      continue;
    }
    const isOperator = (t.kind === 'op' && COMPARISONS.has(t.text)) || (t.kind === 'ident' && SET_OPERATORS.has(t.text.toLowerCase()));
    if (!isOperator) continue;
    pieces.push(expr.slice(from, t.start));
    let j = i + 1;
    if (tokens[j]?.text === 'bool') j++;
    for (const modifier of [['on', 'ignoring'], ['group_left', 'group_right']]) {
      if (!modifier.includes(tokens[j]?.text ?? '')) continue;
      j++;
      if (tokens[j]?.text === '(') j = closing(tokens, j) + 1;
    }
    i = j - 1;
    from = tokens[j]?.start ?? expr.length;
  }
  if (pieces.length === 0) return selectors(expr).length > 0 ? [expr.trim()] : [];
  pieces.push(expr.slice(from));
  return pieces.flatMap(operands);
}
