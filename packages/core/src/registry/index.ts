// registry: the OCI distribution API as far as pinning needs it (resolve a tag to its digest)
export * from './client.js';
export * from './docker-config.js';
export * from './errors.js';
export * from './reference.js';
