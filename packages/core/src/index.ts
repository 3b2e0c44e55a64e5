export * from './catalog/index.js';
export * from './errors/index.js';
export * from './report/index.js';
