import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../bench/validate/dataset.js';
import { runValidateCli } from '../../bench/validate/cli-run.js';

// Outside CI (`npm run test:heavy`): a million-device file (S1MIG_HEAVY_DEVICES to change)
// validated offline within the 300 MB peak RSS budget of issue 3. Generation of the file
// takes ~10 minutes the first time; it is cached under bench/.cache/.
const root = new URL('../..', import.meta.url).pathname;
const devices = Number(process.env['S1MIG_HEAVY_DEVICES'] ?? 1_000_000);

describe(`offline validation of ~${devices} devices`, () => {
  it('stays within 300 MB peak RSS and accepts the file', async () => {
    const ds = prepareDataset(join(root, 'bench', '.cache'), join(root, 'dist', 'src', 'cli', 'main.js'), devices, (s) => process.stderr.write(`${s}\n`));
    const run = await runValidateCli(join(root, 'dist', 'src', 'cli', 'main.js'), ds.file, ds.refDir);
    process.stderr.write(`validate: ${ds.devices} devices in ${run.seconds.toFixed(1)} s, peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MiB\n`);
    expect(run.exitCode).toBe(0);
    expect(run.peakRssBytes).toBeLessThanOrEqual(300 * 2 ** 20);
  });
});
