/**
 * Kafka connection options on the command line, spelt as the Kafka tools spell them, for
 * every command: `--bootstrap-server HOST:PORT[,...]` (kafka.brokers), `--command-config
 * FILE` (the config file, as --config) and `--schema-registry-url URL` (registry.url). They
 * become the configuration's own variables for this process, so they stand above the file
 * and the environment, and are validated with the rest of the configuration.
 */
export const CONNECTION_FLAGS = {
  '--bootstrap-server': 'S1MIG_KAFKA_BROKERS',
  '--command-config': 'S1MIG_CONFIG',
  '--schema-registry-url': 'S1MIG_REGISTRY_URL',
} as const;

export type ConnectionFlag = keyof typeof CONNECTION_FLAGS;

export interface TakenFlags {
  /** The arguments without the connection flags. */
  readonly rest: string[];
  /** Variables to set for this process. */
  readonly env: Record<string, string>;
  /** A flag given without its value. */
  readonly missing: ConnectionFlag | null;
}

/** Takes the connection flags out of a command's arguments (`--flag VALUE` or `--flag=VALUE`), up to `--`. */
export function takeConnectionFlags(args: readonly string[]): TakenFlags {
  const rest: string[] = [];
  const env: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a) as ConnectionFlag;
    if (!(name in CONNECTION_FLAGS)) {
      rest.push(a);
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) return { rest, env, missing: name };
    env[CONNECTION_FLAGS[name]] = value;
  }
  return { rest, env, missing: null };
}
