/**
 * A reader for deploy/container/Dockerfile (issue 12): instructions grouped by stage, enough
 * for a test to check the stages, the user, the environment and the entry point without
 * Docker. Line continuations (`\`) are joined and comment lines dropped, as the Docker
 * parser does; parser directives (`# syntax=`) are comments here.
 */

export interface Instruction {
  readonly line: number;
  /** Upper-cased: FROM, RUN, COPY, ENV, USER, ... */
  readonly op: string;
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: Instruction[] = [];
  let pending: { line: number; text: string } | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line)) return; // comments, also between continued lines
    if (pending === null && line.trim() === '') return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    pending = pending === null ? { line: i + 1, text: body } : { line: pending.line, text: `${pending.text} ${body.trim()}` };
    if (!continued) {
      const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(pending.text);
      if (m === null) throw new Error(`Dockerfile line ${pending.line}: not an instruction: ${pending.text}`);
      logical.push({ line: pending.line, op: m[1]!.toUpperCase(), args: m[2]!.trim() });
      pending = null;
    }
  });
  if (pending !== null) throw new Error('Dockerfile ends inside a continued line');
  const stages: { image: string; name: string | null; instructions: Instruction[] }[] = [];
  for (const ins of logical) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (m === null) throw new Error(`Dockerfile line ${ins.line}: bad FROM ${ins.args}`);
      stages.push({ image: m[1]!, name: m[2] ?? null, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.op !== 'ARG') throw new Error(`Dockerfile line ${ins.line}: ${ins.op} before the first FROM`);
    } else stages[stages.length - 1]!.instructions.push(ins);
  }
  return stages;
}

/** The JSON (exec) form of ENTRYPOINT, CMD or RUN; null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== 'string')) throw new Error(`not a JSON array of strings: ${args}`);
  return parsed as string[];
}

/** ENV `a=b c="d e"` (and the legacy `ENV a b`) as name/value pairs, in order. */
export function envPairs(args: string): [string, string][] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const m = /^(\S+)\s+(.*)$/.exec(args);
    if (m === null) throw new Error(`bad ENV ${args}`);
    return [[m[1]!, m[2]!]];
  }
  const out: [string, string][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)\s*/y;
  for (let pos = 0; pos < args.length; pos = re.lastIndex) {
    re.lastIndex = pos;
    const m = re.exec(args);
    if (m === null) throw new Error(`bad ENV at '${args.slice(pos)}'`);
    const v = m[2]!;
    out.push([m[1]!, v.startsWith('"') ? (JSON.parse(v) as string) : v.startsWith("'") ? v.slice(1, -1) : v]);
  }
  return out;
}
