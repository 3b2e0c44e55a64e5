import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Source bytes dropped between two young-generation collections. */
export const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

let collectYoung: (() => void) | null | undefined;
let droppedSince = 0;

/**
 * V8's young-generation collection, from a context created after `--expose-gc` was set, so the
 * program's own global object never gets a `gc`; `null` where the engine refuses the flag.
 */
function youngCollector(): (() => void) | null {
  if (collectYoung === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collectYoung = typeof gc === 'function' ? () => (gc as (options: { type: 'minor' }) => void)({ type: 'minor' }) : null;
    } catch {
      collectYoung = null;
    }
  }
  return collectYoung;
}

/**
 * Tells the process that `bytes` of received chunks have been copied out and dropped; every 4 MiB it
 * collects V8's young generation, which frees them.
 *
 * Why: every socket or file read arrives in a fresh buffer of up to 64 KiB that is dead once its bytes
 * are in a part buffer, but V8 frees such buffers only at a full collection, which it starts after
 * external memory has grown by tens of MiB. Staging 1 GiB with a 32 MiB part pool, dead chunks raised
 * peak RSS to 148–157 MiB; collecting every 4 MiB held it at 126–130 MiB, every 16 MiB or a full
 * collection every 8 MiB at 143–165 MiB (docs/benchmarks.md). That saving is what pays for the larger
 * part pool. A minor collection with a few live young objects takes well under a millisecond.
 */
export function droppedChunks(bytes: number): void {
  droppedSince += bytes;
  if (droppedSince < COLLECT_EVERY_BYTES) return;
  droppedSince = 0;
  youngCollector()?.();
}
