// kro: what kro does with a ResourceGraphDefinition, offline.
//   SimpleSchema → OpenAPI → the instance CRD kro would create; expanding a resource template for an instance.
export { SimpleSchemaError } from './errors.js';
export type { JsonSchemaProps } from './openapi.js';
export { MARKER_KEYS, parseMarkers, type Marker, type MarkerKey } from './markers.js';
export { parseSimpleField, parseSimpleType, simpleSchemaToOpenApi } from './simple-schema.js';
export {
  instanceCrd,
  KRO_DEFAULT_GROUP,
  KRO_DEFAULT_PRINTER_COLUMNS,
  kroDefaultStatusSchema,
  pluralize,
  type CustomResourceDefinition,
  type PrinterColumn,
  type RgdSchema,
} from './instance-crd.js';
export { evaluateCel, KroExpressionError } from './cel-evaluate.js';
export {
  applyDefaults,
  evaluateExpression,
  expandResourceGraph,
  expandTemplate,
  findExpressions,
  type ExpansionContext,
  type RgdResource,
  type TemplateExpression,
} from './expand.js';
