// The main thread's side of a validation spread over several cores. The main thread validates files
// itself while worker threads start (a worker needs a few hundred milliseconds to load the modules and
// schemas) and take small batches from the same queue as they become free: no core idles, and a slow
// worker start or a machine that is busy elsewhere costs nothing but the work the worker did not do.
// Results are released in discovery order, as on one thread.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResourceCheck } from './checks.js';
import type { DiscoveredFile } from './discover.js';
import type { ValidationResult } from './types.js';
import { validateFile, type ValidateFileOptions } from './validate-file.js';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-thread.js';

/**
 * Below this many files a worker costs more to start than it saves (it loads the modules and schemas
 * again, ~0.3 s; a thousand files are ~0.7 s of work on one thread): one thread, unless told otherwise.
 */
export const PARALLEL_MIN_FILES = 1000;
/** Workers started when not told: one per core beyond two, at most this many. */
const MAX_AUTO_WORKERS = 4;
/**
 * Cores left to the main thread when not told. Besides the thread that runs JavaScript, V8 keeps
 * about a core busy with garbage collection and optimising compiles, and a worker loads the modules
 * and schemas again: on 2 cores one worker measured 20% slower at 10,000 resources and 5% faster at
 * 40,000 (docs/benchmarks.md), so workers start only where a third core is free.
 */
const CORES_KEPT = 2;
/** Files a worker is sent at a time: enough to make a message cheap, few enough to keep the tail short. */
const BATCH_FILES = 4;

/** How a run is spread, when it is. */
export interface ParallelPlan {
  readonly workers: number;
  readonly entry: string;
  readonly setup: WorkerSetup;
}

/**
 * The file URL of the worker entry `name` beside the module at `moduleUrl`, with that module's own
 * extension: `.js` when compiled (or beside an action's bundle), `.ts` when run from the sources.
 */
export function workerEntryBeside(moduleUrl: string, name: string): string {
  return new URL(`./${name}${extname(fileURLToPath(moduleUrl)) || '.js'}`, moduleUrl).href;
}

/** The worker entry for a run without checks. */
const SCHEMA_WORKER_ENTRY = workerEntryBeside(import.meta.url, 'schema-worker');

/**
 * The worker entry all `checks` can be built again in, when every check has a source naming the
 * same entry and that entry exists; otherwise the run cannot leave the main thread.
 */
export function workerEntryOf(checks: readonly ResourceCheck[]): string | undefined {
  const entries = new Set(checks.length === 0 ? [SCHEMA_WORKER_ENTRY] : checks.map((check) => check.source?.workerEntry));
  if (entries.size !== 1) return undefined;
  const [entry] = entries;
  if (entry === undefined || !existsSync(fileURLToPath(entry))) return undefined;
  return entry;
}

/** Worker threads for `files` files: `requested` when given (0 = none), else one per spare core for a large input. */
export function workerCount(files: number, requested: number | undefined): number {
  if (requested !== undefined) return Math.max(0, Math.floor(requested));
  if (files < PARALLEL_MIN_FILES) return 0;
  return Math.max(0, Math.min(availableParallelism() - CORES_KEPT, MAX_AUTO_WORKERS));
}

/** Validates `files` on the main thread and `plan.workers` worker threads; `emit` gets each file's results in order. */
export async function validateInParallel(
  files: readonly DiscoveredFile[],
  options: ValidateFileOptions,
  plan: ParallelPlan,
  emit: (results: readonly ValidationResult[]) => void,
): Promise<void> {
  const done = new Map<number, readonly ValidationResult[]>();
  const handedBack: number[] = [];
  let next = 0;
  let emitted = 0;
  let wake: (() => void) | undefined;
  const inFlight = new Map<Worker, readonly number[]>();

  const release = () => {
    for (let results = done.get(emitted); results !== undefined; results = done.get(emitted)) {
      done.delete(emitted);
      emitted += 1;
      emit(results);
    }
  };
  const send = (worker: Worker) => {
    const count = Math.min(BATCH_FILES, files.length - next);
    if (count <= 0) return;
    const batch: { index: number; file: DiscoveredFile }[] = [];
    for (let i = 0; i < count; i += 1, next += 1) batch.push({ index: next, file: files[next]! });
    inFlight.set(worker, batch.map((item) => item.index));
    worker.postMessage({ type: 'files', files: batch } satisfies ToWorker);
  };
  // a worker that fails or exits with files in hand gives them back: the main thread validates them
  const lose = (worker: Worker) => {
    handedBack.push(...(inFlight.get(worker) ?? []));
    inFlight.delete(worker);
    wake?.();
  };

  const workers = Array.from({ length: plan.workers }, () => {
    const worker = plan.entry.endsWith('.ts')
      ? // run from the TypeScript sources (tests, benches): the worker registers tsx's loader first
      new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(plan.entry)}); })`, { eval: true, workerData: plan.setup })
      : new Worker(new URL(plan.entry), { workerData: plan.setup });
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'results') {
        inFlight.delete(worker);
        for (const file of message.files) {
          if (file.results) done.set(file.index, file.results);
          else handedBack.push(file.index);
        }
      }
      send(worker);
      wake?.();
    });
    worker.on('error', () => lose(worker));
    worker.on('exit', () => lose(worker));
    return worker;
  });

  try {
    for (;;) {
      const index = handedBack.shift() ?? (next < files.length ? next++ : undefined);
      if (index !== undefined) {
        done.set(index, (await validateFile(files[index]!, options)) as ValidationResult[]);
        release();
        // let the workers' messages in: results to release, requests for more files
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (inFlight.size === 0) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      release();
    }
    release();
  } finally {
    for (const worker of workers) worker.removeAllListeners('exit');
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
