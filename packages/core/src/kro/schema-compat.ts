// Which changes to an RGD's generated CRD kro v0.9.3 treats as breaking (pkg/graph/crd/compat): kro
// compares the CRD it has with the one the new RGD asks for and refuses the update when anything
// below is breaking, unless the RGD carries kro.run/allow-breaking-changes: "true".

/** kro's change kinds that break compatibility (the non-breaking ones are not reported). */
export type BreakingChangeKind =
  | 'PROPERTY_REMOVED'
  | 'TYPE_CHANGED'
  | 'REQUIRED_ADDED'
  | 'PROPERTY_ADDED_REQUIRED'
  | 'ENUM_RESTRICTED'
  | 'PATTERN_ADDED'
  | 'PATTERN_CHANGED'
  | 'REQUIRED_DEFAULT_REMOVED'
  | 'VERSION_CHANGED'
  | 'MINIMUM_ADDED' | 'MINIMUM_INCREASED' | 'MAXIMUM_ADDED' | 'MAXIMUM_DECREASED'
  | 'MIN_LENGTH_ADDED' | 'MIN_LENGTH_INCREASED' | 'MAX_LENGTH_ADDED' | 'MAX_LENGTH_DECREASED'
  | 'MIN_ITEMS_ADDED' | 'MIN_ITEMS_INCREASED' | 'MAX_ITEMS_ADDED' | 'MAX_ITEMS_DECREASED';

/** Where in the instance a schema node sits: property names, `*` for every list item. */
export type InstancePath = readonly string[];

export interface BreakingChange {
  readonly kind: BreakingChangeKind;
  /** the instance field the change is about (for REQUIRED_* the field that became required) */
  readonly path: InstancePath;
  readonly description: string;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
  /** the new schema node at `path`, to test instance values against */
  readonly schema?: Schema;
}

type Schema = Record<string, unknown>;

/** Compares a CRD version's openAPIV3Schema the way kro's compat.Compare does; breaking changes only. */
export function breakingChanges(oldSchema: unknown, newSchema: unknown): BreakingChange[] {
  const changes: BreakingChange[] = [];
  compare([], asSchema(oldSchema), asSchema(newSchema), changes);
  return changes;
}

function compare(path: InstancePath, before: Schema | undefined, after: Schema | undefined, out: BreakingChange[]): void {
  if (!before) return;
  if (!after) {
    out.push({ kind: 'PROPERTY_REMOVED', path, description: `${show(path)} was removed` });
    return;
  }
  if ((before.type ?? '') !== (after.type ?? '')) {
    out.push({ kind: 'TYPE_CHANGED', path, description: `the type of ${show(path)} changed from ${String(before.type ?? 'any')} to ${String(after.type ?? 'any')}`, oldValue: before.type, newValue: after.type, schema: after });
    return;
  }
  const oldPattern = str(before.pattern);
  const newPattern = str(after.pattern);
  if (oldPattern !== newPattern && newPattern !== '') {
    const kind = oldPattern === '' ? 'PATTERN_ADDED' : 'PATTERN_CHANGED';
    out.push({ kind, path, description: oldPattern === '' ? `${show(path)} gained the pattern ${newPattern}` : `the pattern of ${show(path)} changed from ${oldPattern} to ${newPattern}`, oldValue: oldPattern, newValue: newPattern, schema: after });
  }
  constraints(path, before, after, out);

  const oldProperties = asRecord(before.properties);
  const newProperties = asRecord(after.properties);
  for (const [name, property] of Object.entries(oldProperties)) {
    compare([...path, name], asSchema(property), asSchema(newProperties[name]), out);
  }
  const newRequired = new Set(strings(after.required));
  const oldRequired = new Set(strings(before.required));
  for (const [name, property] of Object.entries(newProperties)) {
    if (name in oldProperties) continue;
    if (newRequired.has(name) && !hasDefault(asSchema(property))) {
      out.push({ kind: 'PROPERTY_ADDED_REQUIRED', path: [...path, name], description: `the new field ${show([...path, name])} is required and has no default`, schema: asSchema(property) });
    }
  }
  for (const name of newRequired) {
    if (!(name in oldProperties)) continue;
    if (!oldRequired.has(name)) {
      out.push({ kind: 'REQUIRED_ADDED', path: [...path, name], description: `${show([...path, name])} is newly required` });
    } else if (hasDefault(asSchema(oldProperties[name])) && !hasDefault(asSchema(newProperties[name]))) {
      out.push({ kind: 'REQUIRED_DEFAULT_REMOVED', path: [...path, name], description: `the required field ${show([...path, name])} lost its default` });
    }
  }

  const oldEnum = Array.isArray(before.enum) ? before.enum : [];
  const newEnum = Array.isArray(after.enum) ? after.enum : [];
  if (oldEnum.length > 0 && newEnum.length > 0) {
    const kept = new Set(newEnum.map((value) => JSON.stringify(value)));
    for (const value of oldEnum) {
      if (!kept.has(JSON.stringify(value))) out.push({ kind: 'ENUM_RESTRICTED', path, description: `the value ${JSON.stringify(value)} was removed from the enum of ${show(path)}`, oldValue: value, schema: after });
    }
  }
  if (before.type === 'array' && after.type === 'array') {
    const oldItems = asSchema(before.items);
    const newItems = asSchema(after.items);
    if (oldItems && !newItems) out.push({ kind: 'PROPERTY_REMOVED', path: [...path, '*'], description: `the item schema of ${show(path)} was removed` });
    else if (oldItems && newItems) compare([...path, '*'], oldItems, newItems, out);
  }
}

const BOUNDS: readonly [string, 'lower' | 'upper', BreakingChangeKind, BreakingChangeKind][] = [
  ['minimum', 'lower', 'MINIMUM_ADDED', 'MINIMUM_INCREASED'],
  ['maximum', 'upper', 'MAXIMUM_ADDED', 'MAXIMUM_DECREASED'],
  ['minLength', 'lower', 'MIN_LENGTH_ADDED', 'MIN_LENGTH_INCREASED'],
  ['maxLength', 'upper', 'MAX_LENGTH_ADDED', 'MAX_LENGTH_DECREASED'],
  ['minItems', 'lower', 'MIN_ITEMS_ADDED', 'MIN_ITEMS_INCREASED'],
  ['maxItems', 'upper', 'MAX_ITEMS_ADDED', 'MAX_ITEMS_DECREASED'],
];

function constraints(path: InstancePath, before: Schema, after: Schema, out: BreakingChange[]): void {
  for (const [name, bound, added, tightened] of BOUNDS) {
    const oldValue = typeof before[name] === 'number' ? (before[name] as number) : undefined;
    const newValue = typeof after[name] === 'number' ? (after[name] as number) : undefined;
    if (newValue === undefined) continue;
    if (oldValue === undefined) {
      out.push({ kind: added, path, description: `${show(path)} gained ${name} ${newValue}`, newValue, schema: after });
    } else if (bound === 'lower' ? newValue > oldValue : newValue < oldValue) {
      out.push({ kind: tightened, path, description: `${name} of ${show(path)} went from ${oldValue} to ${newValue}`, oldValue, newValue, schema: after });
    }
  }
}

/**
 * Whether an instance value breaks under a change (`undefined` = the field is absent): the
 * instances kro would leave invalid. A removed or retyped field breaks instances that set it; a
 * newly required field breaks those that lack it; a narrowed value range, those outside it.
 */
export function valueBreaks(change: BreakingChange, value: unknown): boolean {
  switch (change.kind) {
    case 'PROPERTY_REMOVED':
      return value !== undefined;
    case 'TYPE_CHANGED':
      return value !== undefined && !hasType(value, change.newValue);
    case 'REQUIRED_ADDED':
    case 'PROPERTY_ADDED_REQUIRED':
    case 'REQUIRED_DEFAULT_REMOVED':
      return value === undefined;
    case 'ENUM_RESTRICTED':
      return value !== undefined && JSON.stringify(value) === JSON.stringify(change.oldValue);
    case 'PATTERN_ADDED':
    case 'PATTERN_CHANGED':
      return typeof value === 'string' && !safeRegExp(String(change.newValue))?.test(value);
    case 'VERSION_CHANGED':
      return true;
    default:
      return value !== undefined && outOfBounds(change, value);
  }
}

function outOfBounds(change: BreakingChange, value: unknown): boolean {
  const limit = change.newValue as number;
  const size = typeof value === 'string' ? [...value].length : Array.isArray(value) ? value.length : typeof value === 'number' ? value : undefined;
  if (size === undefined) return false;
  if (change.kind.startsWith('MIN')) return size < limit;
  return size > limit;
}

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    default: return true;
  }
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

function hasDefault(schema: Schema | undefined): boolean {
  return schema !== undefined && schema.default !== undefined;
}

function show(path: InstancePath): string {
  return path.length === 0 ? 'the schema' : path.map((segment) => (segment === '*' ? '[*]' : segment)).join('.').replaceAll('.[*]', '[*]');
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asSchema(value: unknown): Schema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : undefined;
}
