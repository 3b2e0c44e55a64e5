export * from './catalog/index.js';
export * from './errors/index.js';
export * from './image/index.js';
export * from './report/index.js';
export * from './validate/index.js';
export * from './render/index.js';
export * from './stage/index.js';
export * from './policy/index.js';
