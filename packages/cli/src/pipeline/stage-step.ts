import {
  createStageS3Client,
  resolveSource,
  stageModel,
  type Reporter,
  type SourceRequest,
  type StageResult,
} from '@ray-gitops/core';

export interface StagedSample {
  readonly result: StageResult;
  /** files whose staged sha256 equals the one the source published (all of them for a local directory) */
  readonly sha256Verified: number;
}

/**
 * Stages the sample model into the embedded bucket with core's stager, exactly as `ray-gitops prestage`
 * does. Core's stager takes no AbortSignal, so on `signal` the step gives up waiting for it at once and
 * leaves it to fail against the stopped bucket.
 */
export async function stageSample(options: {
  readonly request: SourceRequest;
  readonly dest: string;
  readonly reporter: Reporter;
  readonly signal: AbortSignal;
}): Promise<StagedSample> {
  const { reporter, signal } = options;
  const source = await resolveSource(options.request, { onRetry: (message) => reporter.info(message) });
  const s3 = await createStageS3Client();
  try {
    // a local bucket: no storage class, so the objects look like any s3rver object
    const staging = stageModel({ source, dest: options.dest, s3, storageClass: '', reporter });
    const result = await untilAborted(staging, signal);
    const published = new Map(source.files.map((file) => [file.path, file.sha256]));
    const sha256Verified = result.files.filter((file) => published.get(file.path) === file.sha256).length;
    return { result, sha256Verified };
  } finally {
    s3.destroy();
  }
}

/** `work`'s result, or a rejection as soon as `signal` aborts; a later failure of `work` is then ignored. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('interrupted'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
