// catalog-staging: "stage these catalog models (names | all | pending)", above both stage/ and render/.
export * from './select-models.js';
export * from './stage-catalog.js';
export * from './in-cluster.js';
