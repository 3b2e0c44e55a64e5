// validate: manifests against real schemas, kubeconform's pipeline in small stages.
//   discover → parse → schema registry → validate (+ checks) → result → reporters
export { validateManifests, type ValidateManifestsOptions } from './pipeline.js';
export { PARALLEL_MIN_FILES } from './parallel.js';
export * from './types.js';
export { discoverFiles, hasManifestExtension, STDIN_PATH, type DiscoveredFile } from './discover.js';
export { parseManifests, type ParsedManifest } from './parse.js';
export { NodeLocator, type ResourceLocator } from './yaml-locator.js';
export { fastParseStream, type FastDocument } from './fast-yaml.js';
export { makeSignature, matchesKind, splitApiVersion } from './signature.js';
export { validateParsed } from './validator.js';
export { violationDiagnostics } from './violations.js';
export {
  annotationDisabledRules,
  DEFAULT_CHECKS,
  DISABLE_RULES_ANNOTATION,
  fileDisabledRules,
  ruleDisabled,
  runChecks,
  type CheckContext,
  type ResourceCheck,
} from './checks.js';
export { loadPreviousTree, previousTreeOf, type PreviousTree } from './previous.js';
export { compileCelRules, escapePropertyName, type CelRules } from './schema/cel-rules.js';
export { SchemaRegistry, type SchemaRegistryOptions } from './schema/registry.js';
export type { ResourceSchema, SchemaRequest, SchemaSource, SchemaViolation } from './schema/source.js';
export { SchemaLoadError } from './schema/ajv.js';
export { BUILTIN_LOCATION, builtinSchemaSource } from './schema/builtin-source.js';
export { BUILTIN_MODELS_VERSION } from './schema/builtin-kinds.js';
export { crdSchemaSource } from './schema/crd-source.js';
export { crdToJsonSchema, crdVersions, type CrdVersion } from './schema/crd.js';
export { cacheFileName, locationSchemaSource, type FetchLike } from './schema/location-source.js';
export { DEFAULT_SCHEMA_LOCATION, parseLocationTemplate, templateData } from './schema/location-template.js';
export * from './output/index.js';
export { UPSTREAM_CRDS, type UpstreamCrd } from './schema/upstream-crds.js';
export {
  cachedCrdFiles,
  fetchUpstreamCrds,
  importCrds,
  missingUpstreamCrds,
  SCHEMAS_BASE_URL_ENV,
  schemaCacheDir,
  type CacheFill,
} from './schema/schema-cache.js';
