// Compiled CRD validators kept on disk as ajv standalone code, keyed by the sha256 of the JSON Schema
// (with ajv's version and this format's), so a second run skips compiling a megabyte CRD. The cache is
// an optimisation only: a missing, unreadable or unwritable cache means compiling, never a failure.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { Ajv, ValidateFunction } from 'ajv';
import equal from 'ajv/dist/runtime/equal.js';
import ucs2length from 'ajv/dist/runtime/ucs2length.js';
import uri from 'ajv/dist/runtime/uri.js';
import validationError from 'ajv/dist/runtime/validation_error.js';
import { FORMAT_CHECKS } from './formats.js';

/** Bump when the generated code's contract (the runtime it requires, the format module) changes. */
const CACHE_FORMAT = 'ray-gitops-validator-1';
/** What cached code requires for the Kubernetes formats (given it by `load`). */
export const FORMATS_MODULE = 'ray-gitops:formats';
const AJV_VERSION = '8';

/** Where compiled validators are kept: RAY_GITOPS_CACHE_DIR, else $XDG_CACHE_HOME/ray-gitops, else ~/.cache/ray-gitops; `off` disables. */
export function validatorCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RAY_GITOPS_CACHE_DIR === 'off') return undefined;
  const base = env.RAY_GITOPS_CACHE_DIR ?? join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ray-gitops');
  return join(base, 'validators');
}

/**
 * The validator for `schema`: from the cache when a validator for the same schema was compiled before,
 * else compiled with the ajv `compiler` gives (created with STANDALONE_CODE_OPTIONS, loaded only now)
 * and written to the cache.
 */
export async function compileCached(
  schema: Record<string, unknown>,
  compiler: () => Promise<Ajv>,
  dir = validatorCacheDir(),
): Promise<ValidateFunction> {
  if (!dir) return (await compiler()).compile(schema);
  const key = createHash('sha256').update(CACHE_FORMAT).update(AJV_VERSION).update(JSON.stringify(schema)).digest('hex');
  const file = join(dir, `${key}.cjs`);
  const cached = load(file);
  if (cached) return cached;
  const ajv = await compiler();
  const validate = ajv.compile(schema);
  let code: string;
  try {
    const { standaloneCode } = await import('./ajv-compiler.js');
    code = standaloneCode(ajv, validate);
    mkdirSync(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, file); // atomic: a concurrent run reads the whole file or none
  } catch {
    // read-only home, full disk: the next run compiles again
    return validate;
  }
  // validated through the cached code from the first run on, so V8's code cache is written at its end too
  return run(file, code) ?? validate;
}

/** `require("ajv/dist/runtime/equal").default`, as the generated code reads it. */
function runtimeModule(value: unknown): { default: unknown } {
  return { default: typeof value === 'function' ? value : (value as { default: unknown }).default };
}

const RUNTIME: Readonly<Record<string, unknown>> = {
  'ajv/dist/runtime/equal': runtimeModule(equal),
  'ajv/dist/runtime/ucs2length': runtimeModule(ucs2length),
  'ajv/dist/runtime/uri': runtimeModule(uri),
  'ajv/dist/runtime/validation_error': runtimeModule(validationError),
  [FORMATS_MODULE]: FORMAT_CHECKS,
};

/** Runs cached standalone code with the runtime it names; undefined when there is none or it does not load. */
function load(file: string): ValidateFunction | undefined {
  let code: string;
  try {
    code = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return run(file, code);
}

/** Runs the standalone code kept in `file` (given in hand, read or just written); undefined when it does not load. */
function run(file: string, code: string): ValidateFunction | undefined {
  try {
    const module: { exports: unknown } = { exports: {} };
    const requireRuntime = (id: string) => {
      if (!(id in RUNTIME)) throw new Error(`unexpected require(${id}) in a cached validator`);
      return RUNTIME[id];
    };
    // the code is what ajv generated on this machine for a schema with this hash (see compileCached)
    const wrapper = compiledScript(file, code).runInThisContext() as (require: unknown, module: unknown, exports: unknown) => void;
    wrapper(requireRuntime, module, module.exports);
    return typeof module.exports === 'function' ? (module.exports as ValidateFunction) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The validator's code compiled by V8, from V8's own code cache beside it when there is one: parsing a
 * few megabytes of generated code costs ~50 ms a run, reading the cache ~10 ms. The cache is written
 * once the run is over, so it also holds the functions the run's validations compiled; V8 refuses a
 * cache from another V8 version, which is then written again.
 */
function compiledScript(file: string, code: string): Script {
  const codeCache = `${file}.${process.versions.v8}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    // first run with this validator (or this V8): compiled from the source, cached at exit
  }
  const script = new Script(`(function (require, module, exports) {${code}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (!cachedData || script.cachedDataRejected) {
    process.once('beforeExit', () => {
      try {
        const temporary = `${codeCache}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, codeCache);
      } catch {
        // an optimisation only
      }
    });
  }
  return script;
}
