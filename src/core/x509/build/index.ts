export * from './certificate.js';
export * from './names.js';
export * from './oids.js';
export * from './profiles.js';
