/**
 * s1mig's library API: what another Node service embeds (`import { validateMcf } from 's1mig'`).
 * Everything else under dist/ is internal and may change between versions.
 */
export { validateMcf, type ValidateMcfOptions, type ValidationReport, type InstallationResult, type DeviceResult, type SummaryResult } from './validate-mcf.js';
export { publishMcf, type PublishMcfOptions, type PublishResult } from './publish-mcf.js';
export type { CodedMessage, MigrationStatus } from '../core/outcome/report.js';
export type { ValidationPolicy } from '../core/validation/policy.js';
export { DEFAULT_POLICY } from '../core/validation/policy.js';
export {
  FILE_CODES, INSTALLATION_CODES, DEVICE_CODES, INTERNAL_ERRORS,
  type FileCode, type InstallationCode, type DeviceCode, type OutcomeCode, type InternalCode,
} from '../core/errors/codes.js';
export { errorCode, isRetriable, type S1migErrorShape } from '../core/errors/s1mig-error.js';
export { ENROLMENT_FAILURE_CODES } from '../core/contracts/smso.js';
