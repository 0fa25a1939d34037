/**
 * The S1SP alert codes this product sends (enrolment.md "S1SP alerts"): what each means and
 * who gets it. Codes as data; docs/operations.md lists them and a test keeps it in sync.
 */
export const ALERT_CODES = {
  N55: {
    meaning: 'Device Commissioned: a migrated ESME or GSME is Commissioned in the SMI (also when the Commissioning Party commissioned it, TMAD v1.4 6.5)',
    recipients: "that meter's own Responsible Supplier",
  },
  S1MIG_MIGRATION_FAILED: {
    meaning: 'a migration attempt failed and was rolled back; AdditionalInformation holds its ENR_ code',
    recipients: "one per meter of the attempt, to its own Responsible Supplier (so every supplier of the installation's meters)",
  },
  S1MIG_MIGRATION_EXCLUDED: {
    meaning: 'the installation was submitted after its fifth failed attempt (INST_ATTEMPTS_EXHAUSTED): it will not be migrated',
    recipients: "one per meter of the installation, to its own Responsible Supplier (so every supplier of its meters)",
  },
  S1MIG_DORMANT_MIGRATED: {
    meaning: 'a dormant meter was recorded in the SMI as InstalledNotCommissioned',
    recipients: "that meter's own Responsible Supplier",
  },
} as const;

export type AlertCode = keyof typeof ALERT_CODES;

/** Why a meter's supplier got no alert (counted in metrics and the report). */
export const ALERT_SKIP_REASONS = ['supplier-unknown', 'duis-below-3'] as const;
export type AlertSkipReason = (typeof ALERT_SKIP_REASONS)[number];
