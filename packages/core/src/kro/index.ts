// kro: what kro does with a ResourceGraphDefinition, offline.
//   SimpleSchema → OpenAPI → the instance CRD kro would create; expanding a resource template for an instance.
export { SimpleSchemaError } from './errors.js';
export type { JsonSchemaProps } from './openapi.js';
export { parseMarkers, type Marker } from './markers.js';
export { simpleSchemaToOpenApi } from './simple-schema.js';
export {
  instanceCrd,
  KRO_DEFAULT_GROUP,
  pluralize,
  type CustomResourceDefinition,
  type RgdSchema,
} from './instance-crd.js';
export { evaluateCel, KroExpressionError } from './cel-evaluate.js';
export {
  applyDefaults,
  expandResourceGraph,
  expandTemplate,
  findExpressions,
  type RgdResource,
  type TemplateExpression,
} from './expand.js';
