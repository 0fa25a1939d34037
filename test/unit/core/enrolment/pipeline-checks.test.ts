import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, supplierMissing, withPipelineChecks, type PipelineFacts } from '../../../../src/core/enrolment/pipeline-checks.js';

const none: PipelineFacts = { failedAttempts: 0, alreadyMigrated: false, deviceRecordedElsewhere: false, notAuthorised: false };

describe('the pipeline checks combined with the offline outcome (validation.md steps 0 and 1)', () => {
  it('change nothing when no check applies', () => {
    for (const o of [{ status: 'valid', errors: [] }, { status: 'partial', errors: [] }, { status: 'excluded', errors: ['INST_EXCLUDED_MISSING_KEYS'] }] as const) {
      expect(withPipelineChecks(o, { ...none, failedAttempts: MAX_ATTEMPTS - 1 })).toEqual(o);
    }
  });

  it('exclude after five failed attempts, with that code only, whatever else holds', () => {
    expect(withPipelineChecks({ status: 'invalid', errors: ['INST_STRUCTURE'] }, { failedAttempts: 5, alreadyMigrated: true, deviceRecordedElsewhere: true, notAuthorised: true }))
      .toEqual({ status: 'excluded', errors: ['INST_ATTEMPTS_EXHAUSTED'] });
  });

  it('make it invalid with every step-1 code that applies, in catalogue order, beside the offline codes', () => {
    expect(withPipelineChecks({ status: 'valid', errors: [] }, { ...none, notAuthorised: true, alreadyMigrated: true }))
      .toEqual({ status: 'invalid', errors: ['INST_NOT_AUTHORISED', 'INST_ALREADY_MIGRATED'] });
    expect(withPipelineChecks({ status: 'invalid', errors: ['INST_STRUCTURE', 'INST_DUPLICATE_DEVICE'] }, { ...none, deviceRecordedElsewhere: true, notAuthorised: true }))
      .toEqual({ status: 'invalid', errors: ['INST_STRUCTURE', 'INST_DUPLICATE_DEVICE', 'INST_NOT_AUTHORISED'] });
    // Step 1 comes before step 4: an installation excluded for missing keys is now invalid.
    expect(withPipelineChecks({ status: 'excluded', errors: ['INST_EXCLUDED_MISSING_KEYS'] }, { ...none, alreadyMigrated: true }))
      .toEqual({ status: 'invalid', errors: ['INST_ALREADY_MIGRATED'] });
    expect(withPipelineChecks({ status: 'partial', errors: [] }, { ...none, deviceRecordedElsewhere: true })).toEqual({ status: 'invalid', errors: ['INST_DUPLICATE_DEVICE'] });
  });

  it('find a missing supplier only among the meters', () => {
    const devs = [{ deviceType: 'CHF', responsibleSupplier: null }, { deviceType: 'ESME', responsibleSupplier: 'a' }, { deviceType: 'GSME', responsibleSupplier: 'b' }, { deviceType: 'IHD', responsibleSupplier: 'c' }];
    expect(supplierMissing(devs, 'a')).toBe(false);
    expect(supplierMissing(devs, 'b')).toBe(false);
    expect(supplierMissing(devs, 'c')).toBe(true);
  });
});
