/** Test helper (not a test): the oversized-installation pipeline test, at a given size. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { vmHwmBytes } from '../../bench/validate/cli-run.js';
import type { InstallationDevicesRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, type World } from './processor-runner.js';
import { REF } from '../unit/jobs/validate/mcf-fixture.js';
import { writeOneHugeInstallation } from '../unit/jobs/validate/oversized-file.js';

/**
 * One installation of `devices` devices through the processor (splitter + validator in one
 * process, a child), whose peak RSS stays within the pipeline's 1M-device budget (500 MB).
 * Regression (audit, defect 4): the splitter held the installation whole and the validator
 * dead-lettered it (more than 10,000 devices), so it got no outcome at all.
 */
export function oversizedPipelineTest(devices: number): void {
  const CEILING_BYTES = 500 * 2 ** 20;

  describe(`one installation of ${devices} devices through the pipeline`, () => {
    let world: World;
    let runner: ProcessorRunner;
    beforeAll(async () => {
      world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 6, 'mcf.installation-outcomes': 2, 'mcf.installation-devices': 4 });
      runner = new ProcessorRunner(world);
    });
    afterAll(async () => {
      runner?.killAll();
      await world?.res.close();
    });

    it(`gives one outcome and every device, with processor peak RSS <= ${CEILING_BYTES >> 20} MB`, async () => {
      onTestFailed(() => runner.saveLogs('oversized-pipeline'));
      const file = join(world.dir, 'huge.xml');
      const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
      await writeOneHugeInstallation(file, devices, createdAt);
      const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
      const segments = await collect(world.res, topicName(world.plan, 'mcf.installation-devices'));
      // Splitter and validator only: the vectors' reference directory (shared, read-only) has no
      // alert-signing certificate, which the enrolment stage needs, and this file is not a Migration.
      const run = runner.start({}, REF, ['--stages', 'splitter,validator']);
      let peak = 0;
      const poll = setInterval(() => { peak = Math.max(peak, vmHwmBytes(run.child.pid!)); }, 200);
      try {
        const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        world.res.onClose(() => producer.disconnect());
        const t0 = Date.now();
        await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), file);
        const want = Math.ceil(devices / 64);
        await segments.until((ms) => ms.length >= want, 3_000_000);
        await outcomes.until((ms) => ms.length >= 1, 60_000);
        const seconds = (Date.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 2000));
        expect(outcomes.messages).toHaveLength(1);
        expect(segments.messages).toHaveLength(want);
        const [outcome] = await decodeAll<InstallationOutcomeRecord>(world, outcomes.messages);
        expect(outcome).toMatchObject({ installationId: 'HUGE', status: 'invalid', deviceSegments: want, devices: [] });
        expect(outcome!.errors.map((e) => e.code)).toEqual(['INST_STRUCTURE']);
        let listed = 0;
        for (let k = 0; k < segments.messages.length; k += 1000) {
          for (const s of await decodeAll<InstallationDevicesRecord>(world, segments.messages.slice(k, k + 1000))) listed += s.devices.length;
        }
        expect(listed).toBe(devices);
        process.stderr.write(`pipeline: ${devices} devices in one installation in ${seconds.toFixed(0)} s (${Math.round(devices / seconds)} devices/s), processor peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB\n`);
        expect(peak).toBeGreaterThan(0);
        expect(peak).toBeLessThanOrEqual(CEILING_BYTES);
      } finally {
        clearInterval(poll);
      }
    });
  });
}
