import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ajv } from 'ajv';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CRDS, REFERENCE } from './helpers.js';
import { createAjv } from '../../src/validate/schema/ajv.js';
import { crdToJsonSchema } from '../../src/validate/schema/crd.js';
import { compileCached, STANDALONE_CODE_OPTIONS, validatorCacheDir } from '../../src/validate/schema/validator-cache.js';

// The upstream RayService CRD, compiled once into the cache and read back as ajv standalone code.
const crd = parse(readFileSync(join(CRDS, 'ray.io_rayservices.yaml'), 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: unknown } }[] } };
const schema = crdToJsonSchema(crd.spec.versions[0]!.schema.openAPIV3Schema, { strict: true });
const invalid = { apiVersion: 'ray.io/v1', kind: 'RayService', metadata: { name: 'x' }, spec: { rayClusterConfig: { headGroupSpec: { rayStartParams: { a: 1 }, template: { spec: { containers: 'no' } } } }, unknownField: true } };
const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'validator-cache-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** An ajv that must not be asked to compile: the validator has to come from the cache. */
const noCompile = { compile: () => { throw new Error('compiled instead of read from the cache'); } } as unknown as Ajv;

describe('compiled validators cached on disk (ajv standalone code, keyed by the schema sha256)', () => {
  test('the first compile writes the cache; the next run reads it and reports exactly the same errors', () => {
    const dir = fresh();
    const compiled = compileCached(createAjv({ code: STANDALONE_CODE_OPTIONS }), schema, dir);
    expect(readdirSync(dir).filter((name) => /^[0-9a-f]{64}\.cjs$/.test(name))).toHaveLength(1);
    const cached = compileCached(noCompile, schema, dir);
    expect(cached).not.toBe(compiled);
    expect(compiled(invalid)).toBe(false);
    expect(cached(invalid)).toBe(false);
    expect(cached.errors).toEqual(compiled.errors);
    const sample = parse(readFileSync(join(REFERENCE, 'kuberay/ray-service.sample.yaml'), 'utf8'));
    expect(compiled(sample)).toBe(true);
    expect(cached(sample)).toBe(true);
  });

  test('another schema is another key: a changed CRD is compiled anew', () => {
    const dir = fresh();
    compileCached(createAjv({ code: STANDALONE_CODE_OPTIONS }), schema, dir);
    const changed = { ...schema, required: ['spec'] };
    expect(() => compileCached(noCompile, changed, dir)).toThrow('compiled instead of read from the cache');
  });

  test('a damaged cache file is compiled over, never trusted', () => {
    const dir = fresh();
    compileCached(createAjv({ code: STANDALONE_CODE_OPTIONS }), schema, dir);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), 'module.exports = require("child_process")');
    expect(() => compileCached(noCompile, schema, dir)).toThrow('compiled instead of read from the cache');
    const again = compileCached(createAjv({ code: STANDALONE_CODE_OPTIONS }), schema, dir);
    expect(again(invalid)).toBe(false);
    expect(compileCached(noCompile, schema, dir)(invalid)).toBe(false); // rewritten
  });

  test('where the cache lives: RAY_GITOPS_CACHE_DIR, XDG_CACHE_HOME, ~/.cache; off disables it', () => {
    expect(validatorCacheDir({ RAY_GITOPS_CACHE_DIR: '/c' })).toBe('/c/validators');
    expect(validatorCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/ray-gitops/validators');
    expect(validatorCacheDir({ RAY_GITOPS_CACHE_DIR: 'off' })).toBeUndefined();
  });
});
