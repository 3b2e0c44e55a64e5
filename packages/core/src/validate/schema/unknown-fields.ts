import type { SchemaViolation } from './source.js';

/**
 * Strict mode for validators that were compiled ahead of time (the kubernetes-models package ships
 * ajv's standalone code, not the schemas, so `additionalProperties: false` cannot be added to them).
 *
 * The validator is run on a read-only view of the object that records which property names it
 * looks up. A compiled `properties` check reads every property it knows, present or not; a map
 * (`additionalProperties: {...}`) enumerates its keys. So in an object where the validator read
 * names but did not enumerate, every key it never read is a field the schema does not define:
 * exactly the objects kubeconform's -strict schemas close with `additionalProperties: false`.
 * Objects the validator never looked into (free-form, e.g. RawExtension) stay open.
 */
export function runTracked(validate: (data: unknown) => boolean, object: unknown): { valid: boolean; unknown: SchemaViolation[] } {
  const records: ObjectRecord[] = [];
  const view = track(object, [], records);
  const valid = validate(view);
  const unknown: SchemaViolation[] = [];
  for (const record of records) {
    if (record.enumerated || record.read.size === 0) continue;
    for (const key of Object.keys(record.target)) {
      if (record.read.has(key)) continue;
      unknown.push({
        path: [...record.path, key],
        keyword: 'additionalProperties',
        params: { additionalProperty: key },
        schemaPath: '#/additionalProperties',
        target: 'key',
      });
    }
  }
  return { valid, unknown };
}

interface ObjectRecord {
  readonly path: readonly (string | number)[];
  readonly target: Record<string, unknown>;
  readonly read: Set<string>;
  enumerated: boolean;
}

function track(value: unknown, path: readonly (string | number)[], records: ObjectRecord[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const views = new Map<string, unknown>();
  if (Array.isArray(value)) {
    return new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key) && Object.hasOwn(target, key)) {
          if (!views.has(key)) views.set(key, track(target[Number(key)], [...path, Number(key)], records));
          return views.get(key);
        }
        return Reflect.get(target, key, receiver);
      },
    });
  }
  const target = value as Record<string, unknown>;
  const record: ObjectRecord = { path, target, read: new Set(), enumerated: false };
  records.push(record);
  return new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key !== 'string') return Reflect.get(object, key, receiver);
      record.read.add(key);
      if (!Object.hasOwn(object, key)) return Reflect.get(object, key, receiver);
      if (!views.has(key)) views.set(key, track(object[key], [...path, key], records));
      return views.get(key);
    },
    has(object, key) {
      if (typeof key === 'string') record.read.add(key);
      return Reflect.has(object, key);
    },
    ownKeys(object) {
      record.enumerated = true;
      return Reflect.ownKeys(object);
    },
  });
}
