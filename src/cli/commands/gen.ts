import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { errorCode } from '../../core/errors/s1mig-error.js';
import { canonicalEui } from '../../core/values.js';
import { generateMcf } from '../../jobs/gen/generate.js';
import type { CliCommand } from '../command.js';
import { progressLine } from '../render/progress.js';

const USAGE =
  'usage: s1mig gen --ref DIR --smso CODE --installations N --out FILE [--seed S] [--purpose Migration|EarlyValidation] ' +
  '[--ma REF] [--created-at T] [--file-id ID] [--signer-key PEM --signer-cert PEM] [--defects CODE[:n|:p%],...] [--suppliers EUI,...]';

const CREATED_AT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/;

function fail(reason: string): number {
  process.stderr.write(`s1mig gen: ${reason}\n`);
  return 2;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        strict: true,
        allowPositionals: false,
        options: {
          ref: { type: 'string' },
          smso: { type: 'string' },
          installations: { type: 'string' },
          out: { type: 'string' },
          seed: { type: 'string' },
          purpose: { type: 'string' },
          ma: { type: 'string' },
          'created-at': { type: 'string' },
          'file-id': { type: 'string' },
          'signer-key': { type: 'string' },
          'signer-cert': { type: 'string' },
          defects: { type: 'string' },
          suppliers: { type: 'string' },
        },
      }));
    } catch (err) {
      const message = (err as Error).message;
      // parseArgs takes "-3" for an option: a negative count is what the user meant.
      const negative = /^Option '(--[a-z-]+)' argument is ambiguous/.exec(message);
      if (negative !== null) return fail(`${negative[1]} must be a whole number (0 or more)`);
      return fail(message.split('\n')[0] ?? 'bad arguments');
    }
    if (values.ref === undefined || values.smso === undefined || values.installations === undefined || values.out === undefined) {
      return fail(`--ref, --smso, --installations and --out are required (${USAGE})`);
    }
    if (!/^[0-9]{1,8}$/.test(values.installations)) return fail(`--installations must be a whole number (0 to 99,999,999), got ${JSON.stringify(values.installations)}`);
    const purpose = values.purpose ?? 'Migration';
    if (purpose !== 'Migration' && purpose !== 'EarlyValidation') return fail('--purpose must be Migration or EarlyValidation');
    let createdAt: Date | undefined;
    if (values['created-at'] !== undefined) {
      createdAt = new Date(values['created-at']);
      if (!CREATED_AT.test(values['created-at']) || Number.isNaN(createdAt.getTime())) return fail('--created-at must be like 2026-11-30T09:00:00Z');
    }
    if ((values['signer-key'] === undefined) !== (values['signer-cert'] === undefined)) return fail('--signer-key and --signer-cert go together');
    if (values.ma !== undefined && !/^[\x20-\x7e]{1,128}$/.test(values.ma)) return fail('--ma must be 1-128 printable ASCII characters');
    if (values['file-id'] !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(values['file-id'])) return fail('--file-id must be 1-64 of [A-Za-z0-9._-]');
    const suppliers = values.suppliers?.split(',').map((s) => canonicalEui(s.trim()));
    if (suppliers !== undefined && (suppliers.length === 0 || suppliers.some((s) => s === null))) return fail('--suppliers must be a comma-separated list of EUI-64s (XX-XX-XX-XX-XX-XX-XX-XX)');
    const seed = values.seed ?? randomBytes(8).toString('hex');
    const show = progressLine('generating', 'installations');
    try {
      const r = await generateMcf({
        onProgress: (n, total) => show.update(n, total),
        refDir: values.ref,
        smso: values.smso,
        installations: Number(values.installations),
        out: values.out,
        seed,
        purpose,
        ...(values.ma !== undefined ? { ma: values.ma } : {}),
        ...(suppliers !== undefined ? { suppliers: suppliers as string[] } : {}),
        ...(createdAt !== undefined ? { createdAt } : {}),
        ...(values['file-id'] !== undefined ? { fileId: values['file-id'] } : {}),
        ...(values['signer-key'] !== undefined ? { signerKeyPath: values['signer-key'] } : {}),
        ...(values['signer-cert'] !== undefined ? { signerCertPath: values['signer-cert'] } : {}),
        ...(values.defects !== undefined ? { defects: values.defects } : {}),
      });
      show.clear();
      const rate = r.seconds > 0 ? Math.round(r.devices / r.seconds) : r.devices;
      process.stdout.write(
        `${r.out}: ${r.installations} installations, ${r.devices} devices, seed ${seed}, expected ${r.fileStatus} ` +
          `(${r.expectedPath}, policy splitSupply=${r.policy.splitSupply} partial=${r.policy.partial}); ${r.seconds.toFixed(1)} s, ${rate} devices/s\n`,
      );
      return 0;
    } catch (err) {
      show.clear();
      const code = errorCode(err);
      if (code === 'USAGE' || code === 'REF_INVALID' || code === 'OUTPUT_UNWRITABLE') return fail((err as Error).message.replace(/^gen: /, '').split('\n')[0] ?? '');
      throw err;
    }
  },
};
