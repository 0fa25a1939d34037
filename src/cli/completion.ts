/**
 * Shell completion scripts, generated from the command table and each command's usage (the
 * one place its subcommands and options are written), so they cannot drift from the CLI.
 */
import { COMMANDS } from './command-table.js';
import { CONNECTION_FLAGS } from './connection-flags.js';

export interface CommandWords {
  readonly name: string;
  /** Subcommands (`ma publish`, `local up`...), from the usage's `s1mig <name> <verb>` forms. */
  readonly verbs: readonly string[];
  readonly options: readonly string[];
}

/** Subcommands and options of a command, read from its usage text. */
export function wordsOf(name: string, usage: string): CommandWords {
  const verbs = new Set<string>();
  for (const m of usage.matchAll(new RegExp(`(?:s1mig |\\| *|^ *)${name} ([a-z][a-z-]*)\\b`, 'gm'))) verbs.add(m[1]!);
  // `local up | down | status`: bare words between bars right after a verb.
  for (const m of usage.matchAll(new RegExp(`s1mig ${name} ([a-z][a-z-]*(?: *\\| *[a-z][a-z-]*)+)`, 'g'))) for (const v of m[1]!.split('|')) verbs.add(v.trim());
  // Options from the synopsis (up to the first blank line): the prose after it may name other tools' options.
  const synopsis = usage.split(/\n\s*\n/)[0]!;
  const options = new Set<string>(['--help']);
  for (const m of synopsis.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)) options.add(m[1]!);
  return { name, verbs: [...verbs].sort(), options: [...options].sort() };
}

export async function commandWords(): Promise<CommandWords[]> {
  const out: CommandWords[] = [];
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const w = wordsOf(name, (await entry.load()).usage);
    out.push({ ...w, options: [...new Set([...w.options, ...Object.keys(CONNECTION_FLAGS)])].sort() });
  }
  return out;
}

const quote = (words: readonly string[]): string => words.join(' ');

/** A bash completion script (zsh: through bashcompinit). */
export function bashScript(words: readonly CommandWords[]): string {
  const cases = words.map((w) => `    ${w.name}) verbs="${quote(w.verbs)}"; opts="${quote(w.options)}" ;;`).join('\n');
  return `# s1mig completion for bash: source <(s1mig completion bash), or save it under
# /etc/bash_completion.d/ (or ~/.local/share/bash-completion/completions/s1mig).
_s1mig() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="\${COMP_WORDS[1]}" verbs="" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${quote(words.map((w) => w.name))} --help --version" -- "$cur") )
    return 0
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$verbs" ]; then
    COMPREPLY=( $(compgen -W "$verbs" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
  return 0
}
complete -o filenames -F _s1mig s1mig
`;
}

export function zshScript(words: readonly CommandWords[]): string {
  return `# s1mig completion for zsh: source <(s1mig completion zsh) in ~/.zshrc (bash's, through bashcompinit).
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(words)}`;
}
