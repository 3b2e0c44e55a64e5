export * from './commit-back.js';
export * from './commit-rendered.js';
export * from './errors.js';
export * from './git.js';
export * from './identity.js';
export * from './message.js';
export * from './validate-rendered.js';
