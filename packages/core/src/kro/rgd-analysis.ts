import { CelSyntaxError, celTypeOfSchema, inferCelType, parseCel, type CelReference, type CelType } from './cel-analysis.js';
import { SimpleSchemaError } from './errors.js';
import { findExpressions, KroExpressionError, type TemplateExpression } from './expand.js';
import type { JsonSchemaProps } from './openapi.js';
import { simpleSchemaToOpenApi } from './simple-schema.js';

/** A path inside the RGD object (`spec.resources[2].template.spec.replicas`). */
export type RgdPath = readonly (string | number)[];

/** One problem kro's controller would report for the graph, with the field it is about. */
export interface RgdFinding {
  /** `kro/<rule>` */
  readonly code: string;
  readonly path: RgdPath;
  readonly message: string;
  readonly target?: 'key' | 'value';
  readonly severity?: 'error' | 'warning';
}

/** One `${…}` found in the RGD: where, the CEL inside, and what kind of field holds it. */
export interface RgdExpression {
  readonly path: RgdPath;
  readonly expression: TemplateExpression;
  /** standalone: the whole string is this one expression (its value keeps its type) */
  readonly standalone: boolean;
  /** the resource id the expression belongs to (undefined for status fields) */
  readonly owner?: string;
  readonly type: CelType;
}

/** What the analysis learned about an RGD, for later stages (template literal validation). */
export interface RgdAnalysis {
  readonly findings: RgdFinding[];
  /** the instance spec schema, when SimpleSchema could be converted */
  readonly specSchema?: JsonSchemaProps;
  readonly expressions: RgdExpression[];
  /** resource ids in a dependency order (kro's topologicalOrder), when the graph has no cycle */
  readonly order?: string[];
}

/** Words kro reserves (pkg/graph/validation.go) and CEL keywords: not usable as resource ids. */
export const KRO_RESERVED_IDS: ReadonlySet<string> = new Set([
  'apiVersion', 'context', 'dependency', 'dependencies', 'each', 'externalRef', 'externalReference', 'externalRefs',
  'externalReferences', 'graph', 'instance', 'item', 'items', 'kind', 'kro', 'metadata', 'namespace', 'object',
  'resource', 'resourcegraphdefinition', 'resources', 'root', 'runtime', 'schema', 'self', 'serviceAccountName',
  'spec', 'status', 'this', 'variables', 'vars', 'version',
  // CEL reserved words and literals
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import',
  'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** CEL function namespaces kro's environment provides (`random.seededString`, `optional.of`, …). */
const LIBRARY_NAMESPACES = new Set(['random', 'optional', 'math', 'strings', 'lists', 'sets', 'base64', 'json', 'url', 'ip', 'cidr', 'quantity', 'regex', 'hash', 'format']);

const RESOURCE_ID = /^[a-z][a-zA-Z0-9]*$/;
const SCHEMA_API_VERSION = /^v[0-9]+(alpha[0-9]+|beta[0-9]+)?$/;
const KIND_NAME = /^[A-Z][a-zA-Z0-9]{0,62}$/;
const TEMPLATE_API_VERSION = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;

/** Kinds the API server serves cluster-scoped (their templates must not set a namespace). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'PriorityClass', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode', 'VolumeSnapshotClass', 'APIService',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'ResourceGraphDefinition', 'ClusterIssuer', 'NodePool', 'EC2NodeClass',
]);

/** ObjectMeta fields an expression may read on `schema.metadata`. */
const INSTANCE_METADATA: Readonly<Record<string, CelType>> = {
  name: 'string',
  namespace: 'string',
  uid: 'string',
  generation: 'int',
  resourceVersion: 'string',
  labels: 'map',
  annotations: 'map',
  creationTimestamp: 'string',
  generateName: 'string',
  finalizers: 'list',
  ownerReferences: 'list',
  deletionTimestamp: 'string',
  managedFields: 'list',
};

interface ResourceInfo {
  readonly id: string;
  readonly index: number;
  readonly iterators: ReadonlyMap<string, CelType>;
  readonly external: boolean;
}

/**
 * Offline kro analysis of a ResourceGraphDefinition object: what kro's graph builder checks before
 * it marks the RGD Active, minus what needs the cluster. SimpleSchema → OpenAPI (shared with the
 * renderer), every `${…}` parsed as CEL, each reference resolved to a schema field or resource id,
 * the dependency graph checked for cycles, ids for kro's naming rules, includeWhen/readyWhen for
 * single boolean expressions, and string templates for non-string expressions.
 */
export function analyzeRgd(rgd: Record<string, unknown>): RgdAnalysis {
  const findings: RgdFinding[] = [];
  const expressions: RgdExpression[] = [];
  const report = (code: string, path: RgdPath, message: string, extra: Partial<RgdFinding> = {}) => findings.push({ code, path, message, ...extra });
  const spec = record(rgd.spec) ?? {};

  // the instance API: kind, apiVersion, SimpleSchema
  const schemaBlock = record(spec.schema) ?? {};
  if (typeof schemaBlock.kind === 'string' && !KIND_NAME.test(schemaBlock.kind)) {
    report('kro/kind-name', ['spec', 'schema', 'kind'], `'${schemaBlock.kind}' is not a valid KRO kind name: it must be UpperCamelCase letters and digits (^[A-Z][a-zA-Z0-9]{0,62}$)`);
  }
  if (typeof schemaBlock.apiVersion === 'string' && !SCHEMA_API_VERSION.test(schemaBlock.apiVersion)) {
    report('kro/api-version', ['spec', 'schema', 'apiVersion'], `invalid apiVersion format '${schemaBlock.apiVersion}': use v1, v1alpha1 or v1beta1 (the group goes in spec.schema.group)`);
  }
  let specSchema: JsonSchemaProps | undefined;
  try {
    specSchema = simpleSchemaToOpenApi(record(schemaBlock.spec) ?? {}, record(schemaBlock.types) ?? {});
  } catch (error) {
    if (!(error instanceof SimpleSchemaError)) throw error;
    report('kro/simple-schema', ['spec', 'schema', 'spec'], `failed to build OpenAPI schema for instance: ${error.message}`, { target: 'key' });
  }

  // resource ids
  const resources = Array.isArray(spec.resources) ? spec.resources : [];
  const infos = new Map<string, ResourceInfo>();
  resources.forEach((item, index) => {
    const resource = record(item);
    const at: RgdPath = ['spec', 'resources', index];
    if (!resource) return;
    const id = resource.id;
    if (typeof id !== 'string' || id === '') {
      report('kro/resource-id', at, 'resource has no id; give it a lowerCamelCase id (e.g. deployment) that expressions can refer to', { target: 'key' });
      return;
    }
    if (KRO_RESERVED_IDS.has(id)) {
      report('kro/reserved-id', [...at, 'id'], `resource id '${id}' is a reserved word in kro; rename it (e.g. ${id}Resource)`);
    } else if (!RESOURCE_ID.test(id)) {
      report('kro/resource-id', [...at, 'id'], `resource id '${id}' breaks kro's naming convention (naming convention violation): ids are lowerCamelCase letters and digits, e.g. ${lowerCamel(id)}`);
    }
    if (infos.has(id)) {
      report('kro/duplicate-id', [...at, 'id'], `resource id '${id}' is already used by spec.resources[${infos.get(id)!.index}]; ids must be unique`);
      return;
    }
    const iterators = new Map<string, CelType>();
    const forEach = resource.forEach;
    if (Array.isArray(forEach)) {
      forEach.forEach((entry, position) => {
        const dimension = record(entry);
        const keys = dimension ? Object.keys(dimension) : [];
        if (keys.length !== 1) {
          report('kro/for-each', [...at, 'forEach', position], 'each forEach entry must be a single `name: ${list expression}` pair');
          return;
        }
        const name = keys[0]!;
        if (KRO_RESERVED_IDS.has(name) || !RESOURCE_ID.test(name)) report('kro/for-each', [...at, 'forEach', position, name], `forEach iterator name '${name}' is reserved or not lowerCamelCase`, { target: 'key' });
        else if (iterators.has(name)) report('kro/for-each', [...at, 'forEach', position, name], `forEach iterator name '${name}' is used twice in this resource`, { target: 'key' });
        iterators.set(name, 'dyn');
      });
      if (forEach.length > 0 && resource.externalRef !== undefined) report('kro/for-each', [...at, 'forEach'], 'cannot use externalRef with forEach: an external reference reads one existing object', { target: 'key' });
    }
    infos.set(id, { id, index, iterators, external: resource.externalRef !== undefined });
  });
  for (const info of infos.values()) {
    for (const name of info.iterators.keys()) {
      if (infos.has(name)) report('kro/for-each', ['spec', 'resources', info.index, 'forEach'], `forEach iterator name '${name}' conflicts with the resource id '${name}'; rename the iterator`, { target: 'key' });
    }
  }

  // typing of references
  const typeOf = (owner: ResourceInfo | undefined) => (reference: CelReference): CelType => {
    if (reference.root === 'schema') return schemaFieldType(specSchema, reference.path).type;
    if (owner?.iterators.has(reference.root)) return 'dyn';
    return 'dyn';
  };

  // every expression: parse, resolve, type
  const edges = new Map<string, Set<string>>();
  const visitExpression = (path: RgdPath, text: string, owner: ResourceInfo | undefined, role: 'template' | 'includeWhen' | 'readyWhen' | 'forEach' | 'status') => {
    let found: TemplateExpression[];
    try {
      found = findExpressions(text);
    } catch (error) {
      if (!(error instanceof KroExpressionError)) throw error;
      report('kro/cel-syntax', path, `unterminated \${ in '${preview(text)}'; close the expression with }`);
      return;
    }
    const standalone = found.length === 1 && found[0]!.start === 0 && found[0]!.end === text.length;
    if (role !== 'template' && role !== 'status' && !standalone) {
      const what = role === 'forEach' ? 'forEach values' : role;
      report(role === 'forEach' ? 'kro/for-each' : `kro/${role === 'includeWhen' ? 'include-when' : 'ready-when'}`, path,
        `${what} must be a single standalone \${…} expression (only standalone expressions are allowed), not '${preview(text)}'`);
      if (found.length === 0) return;
    }
    for (const expression of found) {
      let parsed;
      try {
        parsed = parseCel(expression.source);
      } catch (error) {
        if (!(error instanceof CelSyntaxError)) throw error;
        const offset = error.offset !== undefined ? ` at offset ${error.offset}` : '';
        const failed = role === 'includeWhen' || role === 'readyWhen' ? `failed to parse ${role} expressions: ` : '';
        report('kro/cel-syntax', path, `${failed}\${${preview(expression.source)}} is not valid CEL${offset}: ${error.message}`);
        continue;
      }
      const unknown = new Set<string>();
      for (const reference of parsed.references) {
        const { root } = reference;
        if (root === 'schema') {
          const resolved = schemaFieldType(specSchema, reference.path);
          if (resolved.problem && specSchema) report('kro/unknown-field', path, `\${${preview(expression.source)}}: ${resolved.problem}`);
          continue;
        }
        if (owner?.iterators.has(root)) continue;
        if (role === 'readyWhen' && owner && root === owner.id) continue;
        if (infos.has(root)) {
          if (role === 'readyWhen') {
            report('kro/ready-when', path, `readyWhen of '${owner?.id ?? '?'}' references '${root}'; readyWhen may only read the resource itself (${owner?.id ?? 'its id'})`);
            continue;
          }
          if (owner && root === owner.id) {
            report('kro/cycle', path, `resource '${root}' references itself; graph contains a cycle`);
            continue;
          }
          if (owner) {
            const from = edges.get(owner.id) ?? new Set<string>();
            from.add(root);
            edges.set(owner.id, from);
          }
          continue;
        }
        if (LIBRARY_NAMESPACES.has(root) && reference.path.length === 0) continue;
        unknown.add(root);
      }
      if (unknown.size > 0) {
        const names = [...unknown].sort();
        report('kro/unknown-reference', path, `\${${preview(expression.source)}} references unknown identifiers: [${names.join(' ')}]; use schema.… or one of the resource ids (${[...infos.keys()].join(', ') || 'none'})`);
      }
      const type = inferCelType(parsed.ast, typeOf(owner));
      expressions.push({ path, expression, standalone, ...(owner ? { owner: owner.id } : {}), type });
      if ((role === 'includeWhen' || role === 'readyWhen') && type !== 'bool' && type !== 'dyn') {
        report(role === 'includeWhen' ? 'kro/include-when' : 'kro/ready-when', path, `${role} expression \${${preview(expression.source)}} must return bool, but returns ${type}; compare it (e.g. == "…") or use has()`);
      }
      if (role === 'forEach' && type !== 'list' && type !== 'dyn') {
        report('kro/for-each', path, `forEach expression \${${preview(expression.source)}} must return a list, but returns ${type}`);
      }
      if (!standalone && (role === 'template' || role === 'status') && type !== 'string' && type !== 'dyn') {
        report('kro/string-template', path, `\${${preview(expression.source)}} returns ${type} inside a string template; wrap it in string(…) or make the field a single \${…}`);
      }
    }
  };

  resources.forEach((item, index) => {
    const resource = record(item);
    if (!resource || typeof resource.id !== 'string') return;
    const owner = infos.get(resource.id);
    if (!owner || owner.index !== index) return;
    const at: RgdPath = ['spec', 'resources', index];
    const template = resource.template;
    const external = record(resource.externalRef);
    if ((template === undefined) === (external === undefined)) {
      report('kro/template', at, 'exactly one of template or externalRef must be provided', { target: 'key' });
    }
    asArray(resource.includeWhen).forEach((condition, position) => {
      if (typeof condition === 'string') visitExpression([...at, 'includeWhen', position], condition, owner, 'includeWhen');
      else report('kro/include-when', [...at, 'includeWhen', position], 'includeWhen entries are strings holding one ${…} boolean expression');
    });
    asArray(resource.readyWhen).forEach((condition, position) => {
      if (typeof condition === 'string') visitExpression([...at, 'readyWhen', position], condition, owner, 'readyWhen');
      else report('kro/ready-when', [...at, 'readyWhen', position], 'readyWhen entries are strings holding one ${…} boolean expression');
    });
    asArray(resource.forEach).forEach((entry, position) => {
      for (const [name, value] of Object.entries(record(entry) ?? {})) {
        if (typeof value === 'string') visitExpression([...at, 'forEach', position, name], value, { ...owner, iterators: new Map() }, 'forEach');
      }
    });
    const object = record(template) ?? external;
    if (template !== undefined) checkTemplateShape(record(template), [...at, 'template'], report);
    if (object) {
      const base: RgdPath = template !== undefined ? [...at, 'template'] : [...at, 'externalRef'];
      const isCrd = record(template)?.kind === 'CustomResourceDefinition';
      walkStrings(object, base, (path, text) => {
        if (isCrd && path[base.length] !== 'metadata' && text.includes('${')) {
          report('kro/crd-expression', path, 'CEL expressions in CRDs are only supported for metadata fields; write the CRD spec literally');
          return;
        }
        if (text.includes('${')) visitExpression(path, text, owner, 'template');
      });
    }
  });

  // status: every field is an expression over the resources
  const status = record(schemaBlock.status);
  if (status) {
    walkStrings(status, ['spec', 'schema', 'status'], (path, text) => {
      if (!text.includes('${')) report('kro/status', path, `status field '${String(path.at(-1))}' has no \${…} expression; status fields without expressions are not supported, write \${<resource id>.status.…}`);
      else visitExpression(path, text, undefined, 'status');
    }, (path) => report('kro/status', path, 'status fields without expressions are not supported; write ${<resource id>.status.…}'));
  }

  const order = topologicalOrder([...infos.keys()], edges);
  if (!order.ok) {
    const { cycle } = order;
    const first = infos.get(cycle[0]!)!;
    report('kro/cycle', ['spec', 'resources', first.index, 'id'], `graph contains a cycle: ${[...cycle, cycle[0]].join(' → ')}; one of these resources must not read the next`);
  }
  return { findings, ...(specSchema ? { specSchema } : {}), expressions, ...(order.ok ? { order: order.order } : {}) };
}

type ReportFn = (code: string, path: RgdPath, message: string, extra?: Partial<RgdFinding>) => void;

function checkTemplateShape(template: Record<string, unknown> | undefined, at: RgdPath, report: ReportFn): void {
  if (!template) {
    report('kro/template', at, 'template is not a valid Kubernetes object: it must be a mapping with apiVersion, kind and metadata');
    return;
  }
  const apiVersion = template.apiVersion;
  const kind = template.kind;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
    report('kro/template', at, 'template is not a valid Kubernetes object: apiVersion and kind are required', { target: 'key' });
    return;
  }
  if (!apiVersion.includes('${') && !TEMPLATE_API_VERSION.test(apiVersion)) {
    report('kro/template', [...at, 'apiVersion'], `invalid apiVersion format '${apiVersion}': expected group/version or version (e.g. apps/v1)`);
  }
  const metadata = record(template.metadata);
  if (!metadata) {
    report('kro/template', at, `metadata field not found in the ${kind} template; add metadata.name`, { target: 'key' });
    return;
  }
  if (CLUSTER_SCOPED.has(kind) && metadata.namespace !== undefined) {
    report('kro/template', [...at, 'metadata', 'namespace'], `${kind} is cluster-scoped and must not set metadata.namespace; remove it`, { target: 'key' });
  }
  for (const field of ['labels', 'annotations'] as const) {
    for (const key of Object.keys(record(metadata[field]) ?? {})) {
      if (key.startsWith('kro.run/') || key.startsWith('internal.kro.run/')) {
        report('kro/owned-metadata', [...at, 'metadata', field, key], `${field} key ${key} is owned by kro (it sets it on every child); remove it from the template`, { target: 'key' });
      }
    }
  }
}

/** The type of `schema.<path>` in the instance schema, or why the path does not exist. */
export function schemaFieldType(spec: JsonSchemaProps | undefined, path: readonly string[]): { type: CelType; problem?: string } {
  if (path.length === 0) return { type: 'map' };
  const [top, ...rest] = path;
  if (top === 'metadata') {
    if (rest.length === 0) return { type: 'map' };
    const field = INSTANCE_METADATA[rest[0]!];
    if (!field) return { type: 'dyn', problem: `undefined field '${rest[0]}' in schema.metadata (instance metadata has ${Object.keys(INSTANCE_METADATA).join(', ')})` };
    if (rest.length > 1 && field !== 'map') return { type: 'dyn', problem: `schema.metadata.${rest[0]} is a ${field} and does not support field selection ('.${rest[1]}')` };
    return { type: rest.length > 1 ? 'string' : field };
  }
  if (top === 'status' || top === 'apiVersion' || top === 'kind') return { type: top === 'status' ? 'dyn' : 'string' };
  if (top !== 'spec') return { type: 'dyn', problem: `undefined field '${top}' on schema; expressions read schema.spec.…, schema.metadata.… or schema.status.…` };
  let current: JsonSchemaProps | undefined = spec;
  const walked = ['spec'];
  for (const segment of rest) {
    if (!current) return { type: 'dyn' };
    if (current['x-kubernetes-preserve-unknown-fields'] && !current.properties?.[segment]) return { type: 'dyn' };
    if (current.type === 'object' && current.properties && Object.hasOwn(current.properties, segment)) {
      current = current.properties[segment];
    } else if (current.type === 'object' && current.additionalProperties) {
      current = current.additionalProperties;
    } else if (current.type === 'object') {
      const known = Object.keys(current.properties ?? {});
      return { type: 'dyn', problem: `undefined field '${segment}' in schema.${walked.join('.')} (it has ${known.length ? known.join(', ') : 'no fields'})` };
    } else {
      return { type: 'dyn', problem: `schema.${walked.join('.')} is a ${celTypeOfSchema(current)} and does not support field selection ('.${segment}')` };
    }
    walked.push(segment);
  }
  return { type: celTypeOfSchema(current) };
}

type Ordering = { ok: true; order: string[] } | { ok: false; cycle: string[] };

function topologicalOrder(ids: readonly string[], edges: ReadonlyMap<string, ReadonlySet<string>>): Ordering {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  let cycle: string[] | undefined;
  const visit = (id: string): void => {
    if (cycle) return;
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      cycle = stack.slice(stack.indexOf(id));
      return;
    }
    state.set(id, 'visiting');
    stack.push(id);
    for (const dependency of [...(edges.get(id) ?? [])].sort()) visit(dependency);
    stack.pop();
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of ids) visit(id);
  return cycle ? { ok: false, cycle } : { ok: true, order };
}

function walkStrings(value: unknown, path: RgdPath, visit: (path: RgdPath, text: string) => void, other?: (path: RgdPath) => void): void {
  if (typeof value === 'string') {visit(path, value);} else if (Array.isArray(value)) {value.forEach((item, index) => walkStrings(item, [...path, index], visit, other));} else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) walkStrings(child, [...path, key], visit, other);
  } else {other?.(path);}
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

function lowerCamel(id: string): string {
  const parts = id.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  const joined = parts.map((part, i) => (i === 0 ? part.charAt(0).toLowerCase() + part.slice(1) : part.charAt(0).toUpperCase() + part.slice(1))).join('');
  return /^[a-z]/.test(joined) ? joined : `r${joined}`;
}
