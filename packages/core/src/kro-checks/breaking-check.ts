import { SimpleSchemaError } from '../kro/errors.js';
import { instanceCrd, KRO_DEFAULT_GROUP, type RgdSchema } from '../kro/instance-crd.js';
import { breakingChanges, valueBreaks, type BreakingChange } from '../kro/schema-compat.js';
import type { Diagnostic } from '../report/diagnostic.js';
import type { CheckContext, ResourceCheck } from '../validate/checks.js';
import type { PreviousTree } from '../validate/previous.js';
import { describeResource, refOf, type FieldPath, type ManifestResource, type ValidationResult } from '../validate/types.js';

/** The rule id of a breaking RGD schema change. */
export const KRO_BREAKING_CHANGE_RULE = 'kro/breaking-schema-change';
/** kro updates the CRD despite breaking changes when the RGD carries this annotation set to "true". */
export const ALLOW_BREAKING_CHANGES_ANNOTATION = 'kro.run/allow-breaking-changes';

interface RgdChanges {
  readonly resource: ManifestResource;
  readonly group: string;
  readonly kind: string;
  readonly oldVersion: string;
  readonly changes: readonly BreakingChange[];
  readonly allowed: boolean;
  readonly ref: string;
}

/**
 * With `--previous REF`: every change to an RGD's schema that kro v0.9.3 treats as breaking
 * (pkg/graph/crd/compat), reported on the RGD with the instances in the tree it breaks, and on each
 * of those instances at the field. Without the allow annotation kro refuses to update the CRD at all.
 * The comparison needs every file, so findings come from `finish`.
 */
export function kroBreakingChangeCheck(): ResourceCheck {
  const rgds: RgdChanges[] = [];
  const instances: ManifestResource[] = [];
  let instanceKinds: Set<string> | undefined;
  const isRgd = (resource: ManifestResource) => resource.signature.kind === 'ResourceGraphDefinition' && resource.signature.group === 'kro.run';
  const isInstance = (resource: ManifestResource, previous: PreviousTree) => {
    instanceKinds ??= previousInstanceKinds(previous);
    return instanceKinds.has(`${resource.signature.group}/${resource.signature.kind}`);
  };
  return {
    id: 'kro',
    // without --previous there is nothing to compare with
    appliesTo: (resource, context) => context.previous !== undefined && (isRgd(resource) || isInstance(resource, context.previous)),
    check: (resource, context) => {
      if (!context.previous) return [];
      if (isRgd(resource)) {
        const changes = rgdChanges(resource, context);
        if (changes) rgds.push(changes);
      } else if (isInstance(resource, context.previous)) {
        instances.push(resource);
      }
      return [];
    },
    forRun: () => kroBreakingChangeCheck(),
    finish: () => breakingResults(rgds, instances),
  };
}

function previousInstanceKinds(previous: PreviousTree): Set<string> {
  const kinds = new Set<string>();
  for (const rgd of previous.ofKind('kro.run/', 'ResourceGraphDefinition')) {
    const schema = rgdSchema(rgd);
    if (schema) kinds.add(`${schema.group ?? KRO_DEFAULT_GROUP}/${schema.kind}`);
  }
  return kinds;
}

function rgdSchema(object: Record<string, unknown>): RgdSchema | undefined {
  const schema = (object.spec as { schema?: unknown } | undefined)?.schema;
  if (typeof schema !== 'object' || schema === null) return undefined;
  const { kind, apiVersion } = schema as { kind?: unknown; apiVersion?: unknown };
  return typeof kind === 'string' && typeof apiVersion === 'string' ? (schema as RgdSchema) : undefined;
}

/** The generated CRD's single version, or undefined when the SimpleSchema does not convert (the kro analysis reports that). */
function crdVersion(schema: RgdSchema): { name: string; openApi: unknown } | undefined {
  try {
    const version = instanceCrd(schema).spec.versions[0]!;
    return { name: version.name, openApi: version.schema.openAPIV3Schema };
  } catch (error) {
    if (error instanceof SimpleSchemaError) return undefined;
    throw error;
  }
}

function rgdChanges(resource: ManifestResource, context: CheckContext): RgdChanges | undefined {
  const previous = context.previous!.find(resource.signature);
  const oldSchema = previous && rgdSchema(previous);
  const newSchema = rgdSchema(resource.object);
  if (!oldSchema || !newSchema) return undefined;
  const before = crdVersion(oldSchema);
  const after = crdVersion(newSchema);
  if (!before || !after) return undefined;
  const group = newSchema.group ?? KRO_DEFAULT_GROUP;
  const changes: BreakingChange[] = before.name !== after.name
    ? [{ kind: 'VERSION_CHANGED', path: [], description: `the instance version changed from ${before.name} to ${after.name}`, oldValue: before.name, newValue: after.name }]
    : breakingChanges(before.openApi, after.openApi);
  if (changes.length === 0) return undefined;
  const annotations = (resource.object.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  return {
    resource,
    group,
    kind: newSchema.kind,
    oldVersion: before.name,
    changes,
    allowed: annotations?.[ALLOW_BREAKING_CHANGES_ANNOTATION] === 'true',
    ref: context.previous!.ref,
  };
}

interface Hit {
  readonly instance: ManifestResource;
  readonly path: FieldPath;
  readonly value: unknown;
}

function breakingResults(rgds: readonly RgdChanges[], instances: readonly ManifestResource[]): ValidationResult[] {
  const results: ValidationResult[] = [];
  const perInstance = new Map<ManifestResource, Diagnostic[]>();
  for (const rgd of rgds) {
    const ofKind = instances.filter((instance) => instance.signature.group === rgd.group && instance.signature.kind === rgd.kind);
    const diagnostics: Diagnostic[] = [];
    for (const change of rgd.changes) {
      const hits = ofKind.flatMap((instance) => affected(change, instance, rgd));
      const names = [...new Set(hits.map((hit) => `${describeResource(refOf(hit.instance))} (${hit.instance.file}:${hit.instance.locator.locate(hit.path).line})`))];
      const outcome = rgd.allowed
        ? `kro updates the CRD anyway (${ALLOW_BREAKING_CHANGES_ANNOTATION}: "true")`
        : 'kro refuses to update the CRD (add the annotation kro.run/allow-breaking-changes: "true" once the instances are migrated)';
      const broken = names.length > 0 ? `; it breaks ${names.length} instance(s) in the tree: ${names.join(', ')}` : '; no instance in the tree is affected';
      diagnostics.push({
        severity: rgd.allowed && hits.length === 0 ? 'warning' : 'error',
        location: rgd.resource.locator.locate(rgdPath(rgd.resource.object, change), 'value'),
        message: `${rgd.kind} schema: ${change.description} since ${rgd.ref}, a breaking change to kro; ${outcome}${broken} [${KRO_BREAKING_CHANGE_RULE}]`,
        code: KRO_BREAKING_CHANGE_RULE,
      });
      for (const hit of hits) {
        const list = perInstance.get(hit.instance) ?? [];
        list.push({
          severity: 'error',
          location: hit.instance.locator.locate(hit.path, 'value'),
          message: `${instanceProblem(change, hit)} (RGD ${String((rgd.resource.object.metadata as { name?: unknown } | undefined)?.name)} changed its schema since ${rgd.ref}: ${change.description}) [${KRO_BREAKING_CHANGE_RULE}]`,
          code: KRO_BREAKING_CHANGE_RULE,
        });
        perInstance.set(hit.instance, list);
      }
    }
    results.push({ resource: refOf(rgd.resource), status: diagnostics.some((d) => d.severity === 'error') ? 'invalid' : 'valid', diagnostics });
  }
  for (const [instance, diagnostics] of perInstance) results.push({ resource: refOf(instance), status: 'invalid', diagnostics });
  return results;
}

function instanceProblem(change: BreakingChange, hit: Hit): string {
  const field = hit.path.join('.');
  switch (change.kind) {
    case 'REQUIRED_ADDED':
    case 'PROPERTY_ADDED_REQUIRED':
    case 'REQUIRED_DEFAULT_REMOVED':
      return `${field} is now required; set it`;
    case 'PROPERTY_REMOVED':
      return `${field} no longer exists in the schema; remove it`;
    case 'VERSION_CHANGED':
      return `apiVersion ${String(hit.value)} is no longer served; move the instance to ${String(change.newValue)}`;
    default:
      return `${field}: ${JSON.stringify(hit.value)} is no longer allowed`;
  }
}

/** The instance values a change is about, and which of them break. */
function affected(change: BreakingChange, instance: ManifestResource, rgd: RgdChanges): Hit[] {
  if (change.kind === 'VERSION_CHANGED') {
    return instance.signature.version === rgd.oldVersion ? [{ instance, path: ['apiVersion'], value: instance.signature.apiVersion }] : [];
  }
  return valuesAt(instance.object, change.path).filter((found) => valueBreaks(change, found.value)).map((found) => ({ instance, ...found }));
}

/** The values at a schema path (`*` = every list item); an absent parent yields nothing, an absent leaf `undefined`. */
function valuesAt(object: unknown, path: readonly string[]): { path: FieldPath; value: unknown }[] {
  let found: { path: FieldPath; value: unknown }[] = [{ path: [], value: object }];
  path.forEach((segment, index) => {
    const last = index === path.length - 1;
    found = found.flatMap(({ path: at, value }) => {
      if (segment === '*') return Array.isArray(value) ? value.map((item, i) => ({ path: [...at, i], value: item as unknown })) : [];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
      const child = (value as Record<string, unknown>)[segment];
      if (child === undefined && !last) return [];
      return [{ path: [...at, segment], value: child }];
    });
  });
  return found;
}

/** Where in the RGD's SimpleSchema a change sits: the deepest field of `spec.schema` on its path. */
function rgdPath(rgd: Record<string, unknown>, change: BreakingChange): FieldPath {
  if (change.kind === 'VERSION_CHANGED') return ['spec', 'schema', 'apiVersion'];
  const path: FieldPath = ['spec', 'schema'];
  let node: unknown = (rgd.spec as { schema?: unknown } | undefined)?.schema;
  const result: (string | number)[] = [...path];
  for (const segment of change.path) {
    if (segment === '*' || typeof node !== 'object' || node === null || !(segment in node)) break;
    result.push(segment);
    node = (node as Record<string, unknown>)[segment];
  }
  return result;
}
