// The worker-thread side of a validation spread over several cores: it builds the same registry and
// checks as the main thread from plain data, then validates the batches of files it is sent, one at a
// time, and answers with their results. See parallel.ts for the main thread's side.
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckContext, CheckSource, ResourceCheck } from './checks.js';
import type { DiscoveredFile } from './discover.js';
import { previousTreeOf } from './previous.js';
import { SchemaRegistry } from './schema/registry.js';
import type { ManifestResource, ValidationResult } from './types.js';
import { HANDED_BACK, validateFile, type ValidateFileOptions } from './validate-file.js';

/** Everything a worker needs to validate exactly as the main thread does, as plain data. */
export interface WorkerSetup {
  readonly registry: {
    readonly crds?: readonly string[];
    readonly schemaLocations?: readonly string[];
    readonly strict?: boolean;
    readonly kubernetesVersion?: string;
    readonly cacheDir?: string;
  };
  readonly ignoreMissingSchemas: boolean;
  readonly skipKinds: readonly string[];
  readonly rejectKinds: readonly string[];
  readonly checks: readonly CheckSource[];
  readonly disabledRules: readonly string[];
  readonly repoRoot?: string;
  readonly previous?: { readonly ref: string; readonly objects: readonly Record<string, unknown>[] };
}

/** Main thread → worker. */
export type ToWorker = { readonly type: 'files'; readonly files: readonly { readonly index: number; readonly file: DiscoveredFile }[] };

/** Worker → main thread: ready for files, or a batch's results (none for a file handed back). */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'results'; readonly files: readonly { readonly index: number; readonly results?: readonly ValidationResult[] }[] };

/**
 * Runs in a worker thread (its entry module calls it with the way to build its checks by name).
 * A file holding a resource that a cross-file check (one with `finish`) applies to is handed back
 * unvalidated, and so is a file whose validation threw: the main thread validates both itself, so
 * cross-file findings and unexpected failures come out exactly as without workers.
 */
export function serveValidationWorker(checkFromSource: (source: CheckSource) => ResourceCheck): void {
  const port = parentPort;
  if (!port) throw new Error('serveValidationWorker runs in a worker thread started by validateManifests');
  const setup = workerData as WorkerSetup;
  const registry = SchemaRegistry.fromOptions(setup.registry);
  const checks = setup.checks.map(checkFromSource).map((check) => (check.forRun ? check.forRun() : check));
  const previous = setup.previous ? previousTreeOf(setup.previous.ref, setup.previous.objects) : undefined;
  const options: ValidateFileOptions = {
    registry,
    ignoreMissingSchemas: setup.ignoreMissingSchemas,
    skipKinds: new Set(setup.skipKinds),
    rejectKinds: new Set(setup.rejectKinds),
    checks,
    disabledRules: setup.disabledRules,
    ...(setup.repoRoot !== undefined ? { repoRoot: setup.repoRoot } : {}),
    ...(previous ? { previous } : {}),
  };
  const context: CheckContext = {
    strict: registry.strict,
    schemas: registry,
    ...(setup.repoRoot !== undefined ? { repoRoot: setup.repoRoot } : {}),
    ...(previous ? { previous } : {}),
  };
  const crossFile = checks.filter((check) => check.finish);
  const wantedAcrossFiles = (resource: ManifestResource) => crossFile.some((check) => !check.appliesTo || check.appliesTo(resource, context));
  const handBack = crossFile.length === 0 ? undefined : wantedAcrossFiles;

  port.on('message', (message: ToWorker) => {
    void (async () => {
      const files: { index: number; results?: readonly ValidationResult[] }[] = [];
      for (const { index, file } of message.files) {
        try {
          const results = await validateFile(file, options, handBack);
          files.push(results === HANDED_BACK ? { index } : { index, results });
        } catch {
          files.push({ index });
        }
      }
      port.postMessage({ type: 'results', files } satisfies FromWorker);
    })();
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
