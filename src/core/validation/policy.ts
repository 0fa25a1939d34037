/** Validation policies (validation.md); the defaults are the spec's. */
export interface ValidationPolicy {
  splitSupply: 'allow' | 'reject';
  partial: 'allow' | 'deny';
}

export const DEFAULT_POLICY: Readonly<ValidationPolicy> = Object.freeze({ splitSupply: 'allow', partial: 'allow' });
