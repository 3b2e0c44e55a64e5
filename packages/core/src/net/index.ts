export * from './retry.js';
export * from './retry-after.js';
export * from './stall.js';
export * from './url-policy.js';
export * from './http-get.js';
