export * from './commit-back.js';
export * from './errors.js';
export * from './git.js';
export * from './message.js';
