import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Ajv } from 'ajv';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CRDS, REFERENCE } from './helpers.js';
import { createAjv, STANDALONE_CODE_OPTIONS } from '../../src/validate/schema/ajv-compiler.js';
import { crdToJsonSchema } from '../../src/validate/schema/crd.js';
import { compileCached, validatorCacheDir } from '../../src/validate/schema/validator-cache.js';

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
const noCompile = async () => ({ compile: () => { throw new Error('compiled instead of read from the cache'); } }) as unknown as Ajv;
const compiler = async () => createAjv({ code: STANDALONE_CODE_OPTIONS });

describe('compiled validators cached on disk (ajv standalone code, keyed by the schema sha256)', () => {
  test('the first compile writes the cache; the next run reads it and reports exactly the same errors', async () => {
    const dir = fresh();
    const compiled = await compileCached(schema, compiler, dir);
    expect(readdirSync(dir).filter((name) => /^[0-9a-f]{64}\.cjs$/.test(name))).toHaveLength(1);
    const cached = await compileCached(schema, noCompile, dir);
    expect(cached).not.toBe(compiled);
    expect(compiled(invalid)).toBe(false);
    expect(cached(invalid)).toBe(false);
    expect(cached.errors).toEqual(compiled.errors);
    const sample = parse(readFileSync(join(REFERENCE, 'kuberay/ray-service.sample.yaml'), 'utf8'));
    expect(compiled(sample)).toBe(true);
    expect(cached(sample)).toBe(true);
  });

  test('another schema is another key: a changed CRD is compiled anew', async () => {
    const dir = fresh();
    await compileCached(schema, compiler, dir);
    const changed = { ...schema, required: ['spec'] };
    await expect(compileCached(changed, noCompile, dir)).rejects.toThrow('compiled instead of read from the cache');
  });

  test('a damaged cache file is compiled over, never trusted', async () => {
    const dir = fresh();
    await compileCached(schema, compiler, dir);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), 'module.exports = require("child_process")');
    await expect(compileCached(schema, noCompile, dir)).rejects.toThrow('compiled instead of read from the cache');
    const again = await compileCached(schema, compiler, dir);
    expect(again(invalid)).toBe(false);
    expect((await compileCached(schema, noCompile, dir))(invalid)).toBe(false); // rewritten
  });

  test("a run that read a validator leaves V8's compiled code beside it; the next run uses it, a damaged one is written again", async () => {
    const dir = fresh();
    await compileCached(schema, compiler, dir);
    const schemaFile = join(dir, 'schema.json');
    writeFileSync(schemaFile, JSON.stringify(schema));
    const sampleFile = join(REFERENCE, 'kuberay/ray-service.sample.yaml');
    // each run is a process of its own: the code cache is written when a run ends
    const run = () =>
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          [
            'import { readFileSync } from \'node:fs\';',
            'import { parse } from \'yaml\';',
            `import { compileCached } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../src/validate/schema/validator-cache.ts')).href)};`,
            `const schema = JSON.parse(readFileSync(${JSON.stringify(schemaFile)}, 'utf8'));`,
            `const validate = await compileCached(schema, async () => { throw new Error('compiled'); }, ${JSON.stringify(dir)});`,
            `console.log(validate(parse(readFileSync(${JSON.stringify(sampleFile)}, 'utf8'))));`,
          ].join('\n'),
        ],
        { encoding: 'utf8' },
      ).trim();
    const codeCaches = () => readdirSync(dir).filter((name) => name.endsWith('.v8cache'));
    expect(codeCaches()).toEqual([]);
    expect(run()).toBe('true');
    expect(codeCaches()).toHaveLength(1);
    const codeCache = join(dir, codeCaches()[0]!);
    const written = readFileSync(codeCache);
    expect(run()).toBe('true');
    expect(readFileSync(codeCache).equals(written)).toBe(true); // used, not rewritten
    writeFileSync(codeCache, 'not V8 code');
    expect(run()).toBe('true'); // refused by V8, compiled from the source
    expect(readFileSync(codeCache).length).toBeGreaterThan(1000);
  });

  test('where the cache lives: RAY_GITOPS_CACHE_DIR, XDG_CACHE_HOME, ~/.cache; off disables it', () => {
    expect(validatorCacheDir({ RAY_GITOPS_CACHE_DIR: '/c' })).toBe('/c/validators');
    expect(validatorCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/ray-gitops/validators');
    expect(validatorCacheDir({ RAY_GITOPS_CACHE_DIR: 'off' })).toBeUndefined();
  });
});
