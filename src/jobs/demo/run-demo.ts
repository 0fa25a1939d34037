import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { S1migConfig } from '../../adapters/config/config.js';
import { ALERT_SIGNING_CERT_PEM } from '../../core/reference/alert-signing.js';
import { initReferenceDirectory } from '../devtools/ref-init.js';
import { createKafka } from '../../adapters/kafka/client.js';
import { keyPartitioner } from '../../adapters/kafka/partitioner.js';
import type { Logger } from '../../adapters/log/logger.js';
import { FileReportCollector } from '../../pipeline/file-report.js';
import { startProcessor } from '../../pipeline/processor.js';
import { readTopicsToEnd } from '../../pipeline/tables/topic-reader.js';
import type { AlertRecord, FileResultRecord, InstallationDevicesRecord, InstallationOutcomeRecord } from '../../pipeline/records.js';
import { publishMcf } from '../publish/publish-file.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { applySchemas } from '../../adapters/registry/schemas.js';
import { applyTopics, assertNoRefusal } from '../../adapters/topics/apply.js';
import { loadTopicDefinitions, topicName, topicPlan } from '../../adapters/topics/definitions.js';
import { activeChfs, DEMO_SUPPLIERS, generateDemoFiles, type DemoFile, type GenerationProgress } from './demo-files.js';
import { publishInputFile } from '../inputs/publish-inputs.js';
import { londonDate } from '../../core/inputs/london-day.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { summarise, type UploadSummary } from './demo-summary.js';
import { hyphenatedEui } from '../../core/values.js';

export interface DemoOptions {
  workDir: string;
  scale: number;
  timeoutMs: number;
  /** Keep the processor running after the summary until this promise resolves. */
  holdOpen?: (metricsUrl: string) => Promise<void>;
  progress: (line: string) => void;
  /** Progress of each file's generation (a terminal's progress line). */
  generating?: GenerationProgress;
}

export interface DemoResult {
  uploads: UploadSummary[];
  devicesValidated: number;
  seconds: number;
  devicesPerSecond: number;
  metricsUrl: string;
  /** Metric values at the end, to show that /metrics tells the same story. */
  metrics: Record<string, number>;
  /** This run's alerts: counts per supplier and code, one N55 document, the certificate that verifies them. */
  alerts: { bySupplier: Record<string, Record<string, number>>; sample: string | null; certificate: string };
}

async function metricValue(registry: { getSingleMetricAsString(name: string): Promise<string> }, name: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(name);
  return text.split('\n').filter((l) => l.startsWith(name) && !l.startsWith('#')).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** The main job end to end on the configured cluster: generate, publish, process, report from the topics. */
export async function runDemo(config: Readonly<S1migConfig>, o: DemoOptions, logger: Logger): Promise<DemoResult> {
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  const kafka = createKafka(config, 'demo');
  const admin = kafka.admin();
  await admin.connect();
  const registry: SchemaRegistry = createRegistry(config);
  try {
    o.progress('applying topics and schemas');
    assertNoRefusal(await applyTopics(admin, plan));
    await applySchemas(registry, plan);
    const refDir = join(o.workDir, 'ref');
    // The demo's own development reference; one written before alerts lacks the alert-signing certificate: written anew.
    if (!existsSync(join(refDir, 'eligible-product-combinations.json')) || !existsSync(join(refDir, ALERT_SIGNING_CERT_PEM))) initReferenceDirectory(refDir, { force: true });
    const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const dir = join(o.workDir, runId);
    mkdirSync(dir, { recursive: true });
    o.progress('generating four MCF files (signed, every device its own keys)');
    const { files, resubmission } = await generateDemoFiles(refDir, dir, runId, o.scale, o.generating);
    // The MDS simulator fails the first attempt of two CHFs of the clean file; the re-submission migrates them.
    const failing = activeChfs(files[0]!.result.out).slice(0, 2);

    o.progress('publishing the Migration Authorisations (supplier A: MDS, 20 % excess over the MDC; supplier B: SECURE)');
    await publishDemoMas([...files, resubmission], dir, { kafka, registry, plan, prefix: config.topics.prefix });
    o.progress('publishing the supplier directory (both suppliers on DUIS 5.4: each gets its meters\' alerts)');
    await publishDemoSuppliers(dir, { kafka, registry, plan, prefix: config.topics.prefix });

    o.progress(`starting the processor (splitter, validator, enrolment; SECURE capped at 5 installations/s; MDS fails the first attempt of CHF ${failing.join(', ')})`);
    const processor = await startProcessor(demoConfig(config, failing), { stages: ['splitter', 'validator', 'enrolment'], refDir, metricsPort: 0 }, logger);
    try {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
      await producer.connect();
      const started = Date.now();
      const uploads: Array<{ label: string; fileKey: string; resubmission: boolean }> = [];
      try {
        for (const f of files) {
          const r = await publishMcf(producer, topicName(plan, 'mcf.chunks'), f.result.out);
          uploads.push({ label: f.label, fileKey: r.fileKey, resubmission: false });
          o.progress(`published ${f.label}: ${r.fileKey} (${r.chunks} chunks)`);
        }
        // The clean file again: an accepted file key cannot be used twice (MCF_DUPLICATE_FILE).
        const again = await publishMcf(producer, topicName(plan, 'mcf.chunks'), files[0]!.result.out);
        uploads.push({ label: 're-submission of the clean file', fileKey: again.fileKey, resubmission: true });
        o.progress('published the clean file a second time');
      } finally {
        await producer.disconnect();
      }

      const deadline = Date.now() + o.timeoutMs;
      let resubmitted = false;
      let lastProgress = '';
      for (;;) {
        const collector = new FileReportCollector();
        const duplicates = new Set<string>();
        let lastDecided = 0;
        const devicesTopic = topicName(plan, 'mcf.installation-devices');
        const alertsTopic = topicName(plan, 'alerts');
        const alerts = { bySupplier: {} as Record<string, Record<string, number>>, sample: null as string | null };
        await readTopicsToEnd(kafka, admin, [topicName(plan, 'mcf.files'), topicName(plan, 'mcf.installation-outcomes'), devicesTopic, alertsTopic], async (topic, _p, m) => {
          if (m.value === null) return;
          const rec = (await registry.decode(m.value)) as FileResultRecord | InstallationOutcomeRecord;
          if (topic === alertsTopic) {
            const a = rec as unknown as AlertRecord;
            // Only this run's uploads: the demo's topics may hold earlier runs.
            if (!uploads.some((u) => u.fileKey === a.fileKey)) return;
            const mine = (alerts.bySupplier[a.recipient] ??= {});
            mine[a.code] = (mine[a.code] ?? 0) + 1;
            if (alerts.sample === null && a.code === 'N55') alerts.sample = a.xml;
          } else if (topic === devicesTopic) collector.addDeviceSegment(rec as unknown as InstallationDevicesRecord);
          else if ('installationId' in rec) {
            collector.addOutcome(rec);
            lastDecided = Math.max(lastDecided, rec.decidedAtMs);
          } else {
            collector.addFileResult(rec);
            if (rec.status === 'rejected' && rec.errors.some((e) => e.code === 'MCF_DUPLICATE_FILE')) duplicates.add(rec.fileKey);
          }
        }, { groupStem: `${config.topics.prefix}demo-reader` });
        const rows = uploads.map((u) => {
          if (u.resubmission) {
            const dup = duplicates.has(u.fileKey);
            return { ...summarise(u.label, null, u.fileKey), status: dup ? ('rejected' as const) : ('pending' as const), fileCodes: dup ? ['MCF_DUPLICATE_FILE'] : [] };
          }
          return summarise(u.label, collector.report(u.fileKey), u.fileKey);
        });
        const done = uploads.every((u, i) => {
          if (u.resubmission) return rows[i]!.status === 'rejected';
          const rep = collector.report(u.fileKey);
          // A Migration file is done when no installation of it is still waiting for (or in) enrolment.
          return rep !== null && rep.pending === 0 && (rep.header.status === 'rejected' || rep.installations.length > 0 || rep.summary.installations === 0) &&
            (rep.summary.migration?.waiting ?? 0) === 0;
        });
        const progress = rows.filter((r) => r.migration !== null).map((r) => `${r.label}: ${r.migration!.migrated + r.migration!.partial + r.migration!.dormant} migrated, ${r.migration!.waiting} waiting`).join('; ');
        if (progress !== lastProgress) o.progress(progress);
        lastProgress = progress;
        if (done && !resubmitted) {
          // After the first round: the clean file's installations again, under a new FileID.
          resubmitted = true;
          const p2 = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
          await p2.connect();
          try {
            const r = await publishMcf(p2, topicName(plan, 'mcf.chunks'), resubmission.result.out);
            uploads.push({ label: resubmission.label, fileKey: r.fileKey, resubmission: false });
            o.progress(`published ${resubmission.label}: ${r.fileKey}`);
          } finally {
            await p2.disconnect();
          }
          continue;
        }
        if (done || Date.now() > deadline) {
          const devices = rows.filter((r) => !uploads[rows.indexOf(r)]!.resubmission).reduce((n, r) => n + r.devices, 0);
          const seconds = Math.max(0.001, ((lastDecided || Date.now()) - started) / 1000);
          const reg = processor.metrics.registry;
          const metrics = {
            s1mig_devices_total: await metricValue(reg, 's1mig_devices_total'),
            s1mig_installations_total: await metricValue(reg, 's1mig_installations_total'),
            s1mig_files_total: await metricValue(reg, 's1mig_files_total'),
            s1mig_dlq_total: await metricValue(reg, 's1mig_dlq_total'),
          };
          const result = { uploads: rows, devicesValidated: devices, seconds, devicesPerSecond: devices / seconds, metricsUrl: `${processor.ops.url}/metrics`, metrics,
            alerts: { ...alerts, certificate: join(refDir, ALERT_SIGNING_CERT_PEM) } };
          if (!done) o.progress(`timed out after ${Math.round(o.timeoutMs / 1000)} s with work still pending`);
          if (o.holdOpen) await o.holdOpen(result.metricsUrl);
          return result;
        }
        await new Promise((r) => setTimeout(r, 1500));
      }
    } finally {
      await processor.stop();
    }
  } finally {
    await admin.disconnect();
  }
}

/** The supplier directory: the demo's two suppliers, both taking S1SP alerts. */
async function publishDemoSuppliers(dir: string, deps: Parameters<typeof publishInputFile>[0]): Promise<void> {
  const csv = join(dir, 'suppliers.csv');
  writeFileSync(csv, `supplier,duisVersion,name\n${DEMO_SUPPLIERS.map((s, i) => `${hyphenatedEui(s)},5.4,Demo Supplier ${'AB'[i]}`).join('\n')}\n`, { mode: 0o600 });
  const r = await publishInputFile(deps, 'suppliers', csv);
  if (!r.ok) throw new S1migError('INTERNAL', `demo supplier directory refused: ${r.problems.map((p) => p.message).join('; ')}`);
}

/** The MAs the demo's Migration files name, published like `s1mig ma publish` does. */
async function publishDemoMas(files: readonly DemoFile[], dir: string, deps: Parameters<typeof publishInputFile>[0]): Promise<void> {
  const day = londonDate(Date.now());
  const rows = files.flatMap((f) => (f.ma === null ? [] : [`${f.ma.reference},${hyphenatedEui(f.ma.supplier)},${f.ma.smso},${day},${f.ma.requested},${f.ma.committed}`]));
  const csv = join(dir, 'migration-authorisations.csv');
  writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\n${rows.join('\n')}\n`, { mode: 0o600 });
  const r = await publishInputFile(deps, 'ma', csv);
  if (!r.ok) throw new S1migError('INTERNAL', `demo MAs refused: ${r.problems.map((p) => p.message).join('; ')}`);
}

/** The demo's SMSOs: SECURE capped low so its work visibly waits, MDS failing the first attempt of the given CHFs, both with some latency. */
function demoConfig(config: Readonly<S1migConfig>, failing: readonly string[]): Readonly<S1migConfig> {
  const smso = { ...config.enrolment.smso };
  const mds = smso['MDS'];
  const secure = smso['SECURE'];
  if (mds) smso['MDS'] = { ...mds, simulator: { ...mds.simulator, failingChfs: failing.map((c) => `${c}:1`), latency: { kind: 'uniform', minMs: 5, maxMs: 40 } } };
  if (secure) smso['SECURE'] = { ...secure, perSecond: 5, maxInFlight: 4, simulator: { ...secure.simulator, latency: { kind: 'lognormal', medianMs: 50, sigma: 0.5 } } };
  return { ...config, enrolment: { ...config.enrolment, smso } };
}
