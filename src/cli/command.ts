/** A CLI command: parses its own arguments and returns the process exit status. */
export interface CliCommand {
  /** Its usage: every form, option and unit. `--help`/`-h` anywhere prints it (run-command.ts). */
  readonly usage: string;
  run(args: string[]): Promise<number>;
}
