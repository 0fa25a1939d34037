/** A CLI command: parses its own arguments and returns the process exit status. */
export interface CliCommand {
  run(args: string[]): Promise<number>;
}
