export * from './diagnostic.js';
export * from './reporter.js';
export * from './workflow-commands.js';
export * from './workflow-reporter.js';
export * from './report-diagnostics.js';
export * from './verdict.js';
