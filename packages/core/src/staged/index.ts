// staged: the one record of where staging put a model's weights, below both stage/ and render/.
//   sourceIdentity (catalog source → stable text) · toStagedRecord / parseStagedRecords · weight formats
export * from './record.js';
export * from './source-identity.js';
export * from './weight-format.js';
