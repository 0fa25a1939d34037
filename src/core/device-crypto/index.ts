/** Device crypto: implements the contract of src/core/device-crypto.ts. */
export { checkDevices, MAX_CERTIFICATE_CHARS } from './check.js';
export { loadDeviceCryptoContext, type DeviceCryptoContext } from './context.js';
export { createInThreadChecker } from './in-thread.js';
