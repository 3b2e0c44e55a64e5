import { stat } from 'node:fs/promises';
import { DEFAULT_CHECKS, type ResourceCheck } from './checks.js';
import { discoverFiles, STDIN_PATH, type DiscoveredFile } from './discover.js';
import type { ResultReporter } from './output/result-reporter.js';
import { validateInParallel, workerCount, workerEntryOf } from './parallel.js';
import { loadPreviousTree, type PreviousTree } from './previous.js';
import { validateFile, type ValidateFileOptions } from './validate-file.js';
import { UsageError } from '../errors/errors.js';
import { checkCacheDir } from './schema/location-source.js';
import { checkKubernetesVersion } from './schema/location-template.js';
import { SchemaRegistry, type SchemaRegistryOptions } from './schema/registry.js';
import { addToSummary, emptySummary, type ValidationResult, type ValidationSummary } from './types.js';
import type { WorkerSetup } from './worker-thread.js';

export interface ValidateManifestsOptions extends SchemaRegistryOptions {
  /** files and directories to validate, in order; `-` reads `stdin` */
  readonly paths: readonly string[];
  /** skip kinds that have no schema instead of reporting an error */
  readonly ignoreMissingSchemas?: boolean;
  /** `Kind` or `apiVersion/Kind`: not validated, reported as skipped */
  readonly skipKinds?: readonly string[];
  /** `Kind` or `apiVersion/Kind`: reported as an error wherever they appear */
  readonly rejectKinds?: readonly string[];
  /** regular expressions of file paths to leave out */
  readonly ignoreFilenamePatterns?: readonly string[];
  /** extra per-resource stages (policy, kro analysis); default: the registered ones */
  readonly checks?: readonly ResourceCheck[];
  /** where results go, as they are produced */
  readonly reporters?: readonly ResultReporter[];
  /** files read and validated at once (default 8) */
  readonly concurrency?: number;
  /** the stream `-` reads */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** a registry to reuse across runs (its compiled schemas are kept) */
  readonly registry?: SchemaRegistry;
  /** check rule ids (or prefixes such as `policy`) to switch off everywhere */
  readonly disabledRules?: readonly string[];
  /** the repository root Argo CD source paths are resolved against (default: the working directory) */
  readonly repoRoot?: string;
  /**
   * a git revision (`--previous REF`) whose version of the same paths each object is compared with:
   * CEL transition rules (`oldSelf`) and breaking RGD schema changes; or a tree already loaded
   */
  readonly previous?: string | PreviousTree;
  /**
   * worker threads that validate besides the main thread: 0 = none; default: from PARALLEL_MIN_FILES
   * files up, one per core beyond two (at most 4). Runs given a registry, a fetch
   * function, standard input or checks without a source stay on the main thread.
   */
  readonly workers?: number;
}

/**
 * Validates every manifest under `paths` and streams one result per resource to the reporters:
 * discover → parse → schema (+ checks) → report, kubeconform's pipeline. Files are processed with
 * bounded concurrency and their results released in discovery order, so output is deterministic and
 * memory stays flat however many files there are. Resolves to the totals; `ok` is false iff
 * something is invalid or errored. Rejects only for usage errors (bad template, version, cache dir).
 */
export async function validateManifests(options: ValidateManifestsOptions): Promise<ValidationSummary> {
  const kubernetesVersion = checkKubernetesVersion(options.kubernetesVersion ?? 'master');
  if (options.cacheDir) await checkCacheDir(options.cacheDir);
  for (const path of options.crds ?? []) await checkCrdPath(path);
  const ignorePatterns = (options.ignoreFilenamePatterns ?? []).map(compilePattern);
  const registry = options.registry ?? SchemaRegistry.fromOptions({ ...options, kubernetesVersion });
  const previous = typeof options.previous === 'string' ? await loadPreviousTree(options.previous, options.paths) : options.previous;
  const reporters = options.reporters ?? [];
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const checks = options.checks ?? DEFAULT_CHECKS;
  const fileOptions: ValidateFileOptions = {
    registry,
    ignoreMissingSchemas: options.ignoreMissingSchemas ?? false,
    skipKinds: new Set(options.skipKinds ?? []),
    rejectKinds: new Set(options.rejectKinds ?? []),
    checks: checks.map((check) => (check.forRun ? check.forRun() : check)),
    disabledRules: options.disabledRules ?? [],
    ...(options.repoRoot !== undefined ? { repoRoot: options.repoRoot } : {}),
    ...(options.stdin ? { stdin: options.stdin } : {}),
    ...(previous ? { previous } : {}),
  };

  let summary = emptySummary();
  // what each resource was reported as, so a cross-file finding from `finish` amends its resource
  // instead of counting it a second time
  const statuses = new Map<string, ValidationResult['status']>();
  const emit = (results: readonly ValidationResult[]) => {
    summary = { ...summary, files: summary.files + 1 };
    for (const result of results) {
      summary = addToSummary(summary, result.status);
      if (result.status !== 'empty') statuses.set(resultKey(result), result.status);
      for (const reporter of reporters) reporter.write(result);
    }
  };

  const discovered = discoverFiles(options.paths, { ignorePatterns });
  const entry = options.registry || options.fetch || options.paths.includes(STDIN_PATH) || options.workers === 0 ? undefined : workerEntryOf(checks);
  let files: AsyncIterable<DiscoveredFile> | DiscoveredFile[] = discovered;
  if (entry !== undefined) {
    // deciding needs the number of files: paths are small, so the listing is read first
    files = [];
    for await (const file of discovered) files.push(file);
  }
  const workers = Array.isArray(files) ? workerCount(files.length, options.workers) : 0;
  if (entry !== undefined && workers > 0) {
    const setup = workerSetup(options, kubernetesVersion, fileOptions);
    await validateInParallel(files as DiscoveredFile[], fileOptions, { workers, entry, setup }, emit);
  } else {
    const window: Promise<ValidationResult[]>[] = [];
    for await (const file of files) {
      const pending = validateFile(file, fileOptions) as Promise<ValidationResult[]>;
      pending.catch(() => undefined); // awaited below, in order; this only marks it handled meanwhile
      window.push(pending);
      if (window.length >= concurrency) emit(await window.shift()!);
    }
    while (window.length > 0) emit(await window.shift()!);
  }
  // checks that need every file (Argo CD sync waves) report once all files are in
  for (const check of fileOptions.checks) {
    if (!check.finish) continue;
    for (const result of await check.finish()) {
      const before = statuses.get(resultKey(result));
      if (before === undefined) {
        summary = addToSummary(summary, result.status);
        statuses.set(resultKey(result), result.status);
      } else if ((before === 'valid' || before === 'skipped') && result.status === 'invalid') {
        summary = amendToInvalid(summary, before);
        statuses.set(resultKey(result), 'invalid');
      }
      for (const reporter of reporters) reporter.write(result);
    }
  }

  for (const reporter of reporters) await reporter.flush(summary);
  return summary;
}

/** What a worker thread rebuilds this run's registry, checks and previous tree from. */
function workerSetup(options: ValidateManifestsOptions, kubernetesVersion: string, fileOptions: ValidateFileOptions): WorkerSetup {
  return {
    registry: {
      ...(options.crds ? { crds: options.crds } : {}),
      ...(options.schemaLocations ? { schemaLocations: options.schemaLocations } : {}),
      ...(options.strict !== undefined ? { strict: options.strict } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      kubernetesVersion,
    },
    ignoreMissingSchemas: fileOptions.ignoreMissingSchemas,
    skipKinds: [...fileOptions.skipKinds],
    rejectKinds: [...fileOptions.rejectKinds],
    checks: (options.checks ?? DEFAULT_CHECKS).flatMap((check) => (check.source ? [check.source] : [])),
    disabledRules: fileOptions.disabledRules ?? [],
    ...(fileOptions.repoRoot !== undefined ? { repoRoot: fileOptions.repoRoot } : {}),
    ...(fileOptions.previous ? { previous: { ref: fileOptions.previous.ref, objects: fileOptions.previous.objects } } : {}),
  };
}

function resultKey(result: ValidationResult): string {
  const { file, documentIndex, listIndex } = result.resource;
  return `${file}\u0000${documentIndex}\u0000${listIndex ?? ''}`;
}

/** A resource first reported valid (or skipped) that a cross-file check found invalid: same count, other column. */
function amendToInvalid(summary: ValidationSummary, before: 'valid' | 'skipped'): ValidationSummary {
  const next = { ...summary, [before]: summary[before] - 1, invalid: summary.invalid + 1 };
  return { ...next, ok: next.invalid === 0 && next.errors === 0 };
}

async function checkCrdPath(path: string): Promise<void> {
  try {
    await stat(path);
  } catch {
    throw new UsageError(`--crds ${path}: no such file or directory; pass a CRD YAML file or a directory of them`);
  }
}

function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new UsageError(`invalid --ignore-filename-pattern '${pattern}': ${(error as Error).message}`);
  }
}
