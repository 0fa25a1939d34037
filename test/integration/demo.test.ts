import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/config/config.js';
import { loadTopicDefinitions, topicPlan } from '../../src/adapters/topics/definitions.js';
import { checkWithTools } from '../support/xml-tools.js';
import { Resources } from './helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Upload { label: string; fileKey: string; status: string; fileCodes: string[]; installations: number; valid: number; partial: number; excluded: number; invalid: number;
  migration: { migrated: number; partial: number; dormant: number; failed: number; waiting: number; notAuthorised: number } | null }

describe('s1mig demo (the README main command)', () => {
  const prefix = `it-demo-${randomBytes(3).toString('hex')}.`;
  const res = new Resources(loadConfig());
  res.registerTopics(topicPlan(loadTopicDefinitions(), { prefix, replicationFactor: 1, minInsyncReplicas: 1 }).map((p) => p.topic));
  afterAll(async () => {
    await res.getAdmin();
    await res.close();
  });

  it('processes three files and a re-submission, and its summary matches what report reads from the topics', () => {
    const env = { ...process.env, S1MIG_TOPIC_PREFIX: prefix };
    const demo = spawnSync(process.execPath, [cli, 'demo', '--scale', '0.1', '--json'], { cwd: root, env, encoding: 'utf8', timeout: 240_000 });
    expect(demo.status, demo.stderr).toBe(0);
    const result = JSON.parse(demo.stdout) as { uploads: Upload[]; devicesValidated: number; metricsUrl: string; alerts: { bySupplier: Record<string, Record<string, number>>; sample: string | null; certificate: string } };
    expect(result.uploads.map((u) => u.status)).toEqual(['accepted', 'accepted', 'accepted', 'rejected', 'accepted']);
    expect(result.uploads[3]!.fileCodes).toEqual(['MCF_DUPLICATE_FILE']);
    expect(result.uploads[0]).toMatchObject({ invalid: 0, partial: 0, excluded: 0 });
    expect(result.uploads[0]!.valid).toBe(result.uploads[0]!.installations);
    expect(result.devicesValidated).toBeGreaterThan(0);
    expect(result.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    for (const u of result.uploads.filter((x) => x.status === 'accepted')) {
      const r = spawnSync(process.execPath, [cli, 'report', u.fileKey, '--json'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout) as { status: string; summary: Record<string, number> };
      expect(rep.status).toBe(u.status);
      expect(rep.summary).toMatchObject({ installations: u.installations, valid: u.valid, partial: u.partial, excluded: u.excluded, invalid: u.invalid });
      if (u.migration === null) {
        expect(rep.summary['migrated']).toBeUndefined();
        continue;
      }
      // Enrolment finished, and the summary says what the topics hold.
      expect(u.migration.waiting).toBe(0);
      expect(rep.summary).toMatchObject({ migrated: u.migration.migrated, migratedPartial: u.migration.partial, migratedDormant: u.migration.dormant, failed: u.migration.failed, waiting: 0 });
    }
    const [clean, mixed, early, , again] = result.uploads;
    expect(early!.migration).toBeNull();
    // Every installation of the clean file is enrolled (its MA covers them all): migrated, or one of the two the SMSO fails.
    const c = clean!.migration!;
    expect(c.failed).toBe(2);
    expect(c.migrated + c.partial + c.dormant + c.failed).toBe(clean!.installations);
    expect(mixed!.migration!.migrated + mixed!.migration!.partial).toBeGreaterThan(0);
    // The re-submission: the two failed ones migrate (attempt 2), the rest are already migrated.
    expect(again!.migration).toMatchObject({ migrated: 2, failed: 0, waiting: 0 });
    expect(again!.invalid).toBe(again!.installations - 2);

    // Alerts: both suppliers get N55s; supplier A's failed attempts are alerted; every alert on the topic verifies.
    const alerts = result.alerts;
    const [a, b] = ['90b3d51f30010000', '90b3d51f30010003'];
    expect(alerts.bySupplier[a]!['N55']).toBeGreaterThan(0);
    expect(alerts.bySupplier[b]!['N55']).toBeGreaterThan(0);
    expect(alerts.bySupplier[a]!['S1MIG_MIGRATION_FAILED']).toBeGreaterThanOrEqual(2);
    expect(alerts.sample).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<sr:S1SPAlert [^]*<sr:S1SPAlertCode>N55<\/sr:S1SPAlertCode>[^]*<\/ds:Signature><\/sr:S1SPAlert>$/);
    const total = Object.values(alerts.bySupplier).flatMap((c) => Object.values(c)).reduce((x, y) => x + y, 0);
    // The alert the demo prints in full passes the independent tools, as the summary tells a person to check it.
    const tools = checkWithTools([alerts.sample!], readFileSync(alerts.certificate, 'utf8'));
    expect(tools.schema[0], tools.schema[0]!.output).toMatchObject({ ok: true });
    expect(tools.signature[0], tools.signature[0]!.output).toMatchObject({ ok: true });
    const verify = spawnSync(process.execPath, [cli, 'alerts', 'verify', '--cert', alerts.certificate, '--json'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    const v = JSON.parse(verify.stdout) as { alerts: number; invalid: number };
    expect(v.invalid).toBe(0);
    expect(v.alerts).toBeGreaterThanOrEqual(total);
  }, 300_000);
});
