import { describe, expect, it } from 'vitest';
import { decide, type ChfFacts, type LaneInstallation, type LaneView } from '../../../../src/core/enrolment/decide.js';
import { NO_USAGE, type MaUsage } from '../../../../src/core/enrolment/quantity.js';
import type { SmiRecord } from '../../../../src/core/enrolment/smi.js';
import type { MigrationAuthorisation } from '../../../../src/core/inputs/authorisations.js';
import { londonDay } from '../../../../src/core/inputs/london-day.js';

const SUPPLIER = '90b3d51f30010000';
const DAY = '2026-12-01';
const { startMs, endMs } = londonDay(DAY);
const NOON = startMs + 12 * 3_600_000;

const ma = (over: Partial<MigrationAuthorisation> = {}): MigrationAuthorisation =>
  ({ reference: 'MA-1', supplier: SUPPLIER, smso: 'MDS', migrationDate: DAY, requested: 10, committed: 6, ...over });

const inst = (over: Partial<LaneInstallation> = {}): LaneInstallation => ({
  fileKey: 'k/F', installationId: 'I1', smso: 'MDS', maReference: 'MA-1', migrationType: 'Active', chf: 'c1',
  offline: { status: 'valid', errors: [] },
  devices: [
    { deviceId: 'c1', deviceType: 'CHF', manufacturer: null, model: null, firmwareVersion: null, mpxn: null, parent: null, responsibleSupplier: null },
    { deviceId: 'e1', deviceType: 'ESME', manufacturer: null, model: null, firmwareVersion: null, mpxn: '1', parent: 'c1', responsibleSupplier: SUPPLIER },
  ],
  ...over,
});

interface World {
  mas?: MigrationAuthorisation[];
  usage?: Record<string, MaUsage>;
  chf?: Record<string, ChfFacts>;
  smi?: Record<string, Partial<SmiRecord>>;
  started?: number;
  unused?: number;
  perDay?: number;
}

const view = (w: World = {}): LaneView => ({
  ma: (ref) => (w.mas ?? [ma()]).find((m) => m.reference === ref),
  maUsage: (ref) => w.usage?.[ref] ?? NO_USAGE,
  chf: (id) => w.chf?.[id],
  smi: (id) => w.smi?.[id] as SmiRecord | undefined,
  dayStarted: () => w.started ?? 0,
  unusedCommitment: () => w.unused ?? 6,
  perDay: () => w.perDay ?? 100,
});

describe('decide: the pipeline checks (enrolment.md)', () => {
  it('five failed attempts exclude, with INST_ATTEMPTS_EXHAUSTED alone', () => {
    const a = decide(inst(), view({ chf: { c1: { failedAttempts: 5, migrated: false, inFlight: null } } }), NOON);
    expect(a).toEqual({ kind: 'not-enrolled', outcome: { status: 'excluded', errors: ['INST_ATTEMPTS_EXHAUSTED'] }, cause: 'checks' });
  });

  it('already migrated, a device recorded under another CHF, or no meter of the MA supplier make it invalid', () => {
    expect(decide(inst(), view({ chf: { c1: { failedAttempts: 0, migrated: true, inFlight: null } } }), NOON))
      .toMatchObject({ kind: 'not-enrolled', outcome: { status: 'invalid', errors: ['INST_ALREADY_MIGRATED'] } });
    expect(decide(inst(), view({ smi: { e1: { installation: 'other', status: 'Commissioned' } } }), NOON))
      .toMatchObject({ outcome: { errors: ['INST_DUPLICATE_DEVICE'] } });
    // Rolled back to absent (status null) is not "recorded".
    expect(decide(inst(), view({ smi: { e1: { installation: 'other', status: null } } }), NOON).kind).toBe('start');
    expect(decide(inst(), view({ mas: [ma({ supplier: '90b3d51f30010003' })] }), NOON)).toMatchObject({ outcome: { errors: ['INST_NOT_AUTHORISED'] }, cause: 'checks' });
    expect(decide(inst(), view({ mas: [] }), NOON)).toMatchObject({ outcome: { errors: ['INST_NOT_AUTHORISED'] } });
    expect(decide(inst(), view({ mas: [ma({ smso: 'LG' })] }), NOON)).toMatchObject({ outcome: { errors: ['INST_NOT_AUTHORISED'] } });
  });

  it('an installation already invalid offline stays not enrolled, with the pipeline codes added', () => {
    const a = decide(inst({ offline: { status: 'invalid', errors: ['INST_SPLIT_SUPPLY'] } }), view({ chf: { c1: { failedAttempts: 1, migrated: true, inFlight: null } } }), NOON);
    expect(a).toMatchObject({ kind: 'not-enrolled', outcome: { status: 'invalid', errors: ['INST_SPLIT_SUPPLY', 'INST_ALREADY_MIGRATED'] } }); // catalogue order
  });

  it('resumes its own attempt in flight, and waits behind another installation of the same CHF', () => {
    const own = { c1: { failedAttempts: 0, migrated: false, inFlight: { fileKey: 'k/F', installationId: 'I1' } } };
    expect(decide(inst(), view({ chf: own }), NOON)).toEqual({ kind: 'resume' });
    const other = { c1: { failedAttempts: 0, migrated: false, inFlight: { fileKey: 'k/G', installationId: 'I9' } } };
    expect(decide(inst(), view({ chf: other }), NOON).kind).toBe('wait');
  });
});

describe('decide: quantity and day capacity', () => {
  it('committed first, then excess, then INST_NOT_AUTHORISED at once beyond the MA quantity', () => {
    expect(decide(inst(), view({ usage: { 'MA-1': { committedUsed: 5, excessUsed: 0 } } }), NOON)).toMatchObject({ kind: 'start', claim: 'committed', attempt: 1 });
    expect(decide(inst(), view({ usage: { 'MA-1': { committedUsed: 6, excessUsed: 3 } }, unused: 0 }), NOON)).toMatchObject({ kind: 'start', claim: 'excess' });
    expect(decide(inst(), view({ usage: { 'MA-1': { committedUsed: 6, excessUsed: 4 } } }), NOON))
      .toMatchObject({ kind: 'not-enrolled', outcome: { status: 'invalid', errors: ['INST_NOT_AUTHORISED'] }, cause: 'quantity' });
  });

  it('an excess installation waits while the day\'s unused commitment would not fit; a committed one does not', () => {
    const w = { usage: { 'MA-1': { committedUsed: 6, excessUsed: 0 } }, started: 90, unused: 10, perDay: 100 };
    expect(decide(inst(), view(w), NOON)).toEqual({ kind: 'wait', untilMs: endMs, why: 'day-capacity' });
    expect(decide(inst(), view({ ...w, unused: 9 }), NOON).kind).toBe('start');
    expect(decide(inst(), view({ ...w, usage: {}, started: 99 }), NOON)).toMatchObject({ kind: 'start', claim: 'committed' });
    expect(decide(inst(), view({ ...w, usage: {}, started: 100 }), NOON).kind).toBe('wait');
  });

  it('waits for its day to begin, and is INST_NOT_AUTHORISED (day-ended) when it ends while waiting or before it is reached', () => {
    expect(decide(inst(), view(), startMs - 1)).toEqual({ kind: 'wait', untilMs: startMs, why: 'day-not-begun' });
    // Past the day when reached: the step-1 check (the MA's day has ended).
    expect(decide(inst(), view(), endMs)).toMatchObject({ kind: 'not-enrolled', cause: 'checks', outcome: { errors: ['INST_NOT_AUTHORISED'] } });
    // One that waited before: its day ended while it waited.
    expect(decide(inst(), view(), endMs, true)).toMatchObject({ kind: 'not-enrolled', cause: 'day-ended', outcome: { status: 'invalid', errors: ['INST_NOT_AUTHORISED'] } });
    expect(decide(inst(), view({ chf: { c1: { failedAttempts: 0, migrated: true, inFlight: null } } }), endMs, true)).toMatchObject({ cause: 'checks' });
  });

  it('counts the attempt from the failures recorded, and lets dormant installations use the MA without day capacity', () => {
    expect(decide(inst(), view({ chf: { c1: { failedAttempts: 3, migrated: false, inFlight: null } } }), NOON)).toMatchObject({ kind: 'start', attempt: 4 });
    expect(decide(inst({ migrationType: 'Dormant' }), view({ started: 100, perDay: 100 }), NOON)).toMatchObject({ kind: 'start', dormant: true });
  });
});
