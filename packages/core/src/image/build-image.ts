import { createHash } from 'node:crypto';
import { ensureImageResources, type EnsureOptions } from './ensure.js';
import {
  AwsCallError,
  DockerfileLintError,
  ImageBuildCancelledError,
  ImageBuildFailedError,
  ImageMissingAfterBuildError,
  MissingAwsResourceError,
  RetryExhaustedError,
  type FailedPhase,
} from './errors.js';
import type { ImageBuildPlan } from './plan.js';
import { callWithRetry, type RetryOptions } from './retry.js';
import type { BuildSnapshot, ImageServices } from './services.js';
import { DEFAULT_WATCH_TIMING, newWatchState, printInPhaseGroups, watchBuild, type WatchState, type WatchTiming } from './watch.js';
import { zipContext } from './zip.js';
import { UsageError } from '../errors/index.js';
import { reportDiagnostics, type Reporter } from '../report/index.js';

interface BuildImageOptions {
  readonly services: ImageServices;
  readonly reporter: Reporter;
  /** abort to cancel: a started build is stopped (StopBuild, once) before buildImage rejects */
  readonly signal?: AbortSignal;
  readonly timing?: Partial<WatchTiming>;
  /** create the ECR repository and CodeBuild project when they are missing */
  readonly ensure?: EnsureOptions | false;
  /** called as soon as StartBuild returns, before any polling: set the build-id output here */
  readonly onBuildStarted?: (build: BuildSnapshot) => void | Promise<void>;
}

export interface ImageBuildResult {
  readonly tag: string;
  /** `<registry>/<repository>:<tag>` */
  readonly imageUri: string;
  /**
   * `<registry>/<repository>:<tag>@sha256:…`, what render-rgd puts in the RayService: the digest pins
   * the bytes, the content tag lets a later plan see which build context the cluster runs.
   */
  readonly imageRef: string;
  readonly digest: string;
  /** true when the tag was already in ECR and no build ran */
  readonly skipped: boolean;
  readonly buildId: string | undefined;
  /** false when the zipped context was already in S3 under its tag */
  readonly uploaded: boolean;
  readonly watch: WatchState | undefined;
}

/** StopBuild must go through even while the run is being cancelled: a few quick tries, no abort signal. */
const STOP_RETRY = { baseMs: 200, capMs: 2_000, maxAttempts: 4 };

/**
 * Makes sure the image for `plan.tag` is in ECR and returns its digest reference.
 *
 * 1. DescribeImages for the tag: present → done, nothing else is called.
 * 2. Otherwise (ensure mode: create what is missing) zip the context, upload it to S3 under its
 *    tag unless it is there already, StartBuild with the plan's frozen request and idempotency token.
 * 3. `onBuildStarted` at once; then poll and stream the log, grouped by phase.
 * 4. Cancelled, or any error after StartBuild: StopBuild exactly once, say so, rethrow.
 * 5. Failure: the failing phase, its contexts and the last log lines as one error annotation.
 */
export async function buildImage(plan: ImageBuildPlan, options: BuildImageOptions): Promise<ImageBuildResult> {
  const { services, reporter, signal } = options;
  const timing: WatchTiming = { ...DEFAULT_WATCH_TIMING, ...options.timing };
  const retry: RetryOptions = {
    policy: timing.retry,
    signal,
    random: timing.random,
    onRetry: (e) => reporter.info(`${e.operation}: ${e.errorName} (${e.kind}); retry ${e.attempt + 1}/${timing.retry.maxAttempts} in ${(e.waitMs / 1000).toFixed(1)}s`),
  };

  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  reportDiagnostics(reporter, plan.diagnostics);
  if (errors.length > 0) throw new DockerfileLintError(errors);

  const cancelled = () => new ImageBuildCancelledError(undefined, false);
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      throw error;
    }
  };

  const lookup = await guard(() => callWithRetry('ECR DescribeImages', () => services.registry.findImage(plan.repository, plan.tag, plan.registryId), retry));
  if (lookup.kind === 'found') {
    const skipped = { skipped: true, buildId: undefined, uploaded: false, watch: undefined };
    const result = await describeResult(plan, lookup.registryId, lookup.digest, services, skipped);
    reporter.info(`${result.imageUri} is already in ECR (${lookup.digest}); no build needed.`);
    return result;
  }
  if (lookup.kind === 'repository-missing' && !options.ensure) {
    throw new MissingAwsResourceError(
      `ECR repository ${plan.repository} does not exist; create it (see the build-image README) or run with --ensure (input ensure: true).`,
    );
  }
  reporter.info(`${plan.repository}:${plan.tag} is not in ECR yet; building it with CodeBuild project ${plan.project}.`);

  if (options.ensure) {
    await guard(() =>
      ensureImageResources(
        { repository: plan.repository, registryId: plan.registryId, project: plan.project, buildspec: plan.buildspec },
        options.ensure as EnsureOptions,
        services,
        reporter,
        retry,
      ),
    );
  }

  const bucket = plan.source.bucket;
  if (!bucket) {
    throw new UsageError(`a build is needed for ${plan.tag}, and the zipped context needs an S3 bucket; pass --source-bucket (input source-bucket).`);
  }
  const uploaded = await guard(() => uploadContext(plan, bucket, services, reporter, retry));

  if (signal?.aborted) throw cancelled();
  // the request is built once and frozen: every retry sends it unchanged, with the same idempotency token
  const request = Object.freeze({ ...plan.startBuild });
  const build = await guard(() => callWithRetry('CodeBuild StartBuild', () => services.builds.start(request), retry));
  const state = newWatchState(build, timing);
  reporter.info(`started CodeBuild build ${build.id}${build.logs?.deepLink ? `; log: ${build.logs.deepLink}` : ''}`);

  let stopAttempt: Promise<boolean> | undefined;
  const stopOnce = (why: string): Promise<boolean> => {
    stopAttempt ??= (async () => {
      try {
        await callWithRetry('CodeBuild StopBuild', () => services.builds.stop(build.id), { policy: STOP_RETRY, random: timing.random });
        reporter.warning(`stopped CodeBuild build ${build.id}: ${why}.`);
        return true;
      } catch (error) {
        reporter.error(`could not stop CodeBuild build ${build.id} (${(error as Error).message}); stop it in the CodeBuild console.`);
        return false;
      }
    })();
    return stopAttempt;
  };

  let final: BuildSnapshot;
  try {
    await options.onBuildStarted?.(build);
    signal?.throwIfAborted();
    final = await printInPhaseGroups(watchBuild(state, { builds: services.builds, logs: services.logs, reporter }, timing, signal), reporter, (phase) => `CodeBuild ${phase}`);
  } catch (error) {
    if (signal?.aborted) {
      const stopped = await stopOnce('the run was cancelled');
      throw new ImageBuildCancelledError(build.id, stopped);
    }
    const stopped = await stopOnce(`build-image cannot follow it any more (${(error as Error).message})`);
    if (error instanceof AwsCallError) {
      const message = `${error.message} Build ${build.id} ${stopped ? 'was stopped' : 'could not be stopped'} so it does not run unattended.`;
      const Same = error instanceof RetryExhaustedError ? RetryExhaustedError : AwsCallError;
      throw new Same(error.operation, error.errorName, message, { cause: error });
    }
    throw error;
  }

  if (final.status !== 'SUCCEEDED') {
    const failedPhase = findFailedPhase(final);
    const failure = new ImageBuildFailedError(build.id, final.status, failedPhase, [...state.tail]);
    reporter.error(failureAnnotation(failure));
    throw failure;
  }

  const after = await callWithRetry('ECR DescribeImages', () => services.registry.findImage(plan.repository, plan.tag, plan.registryId), retry);
  if (after.kind !== 'found') {
    throw new ImageMissingAfterBuildError(
      `CodeBuild build ${build.id} succeeded, but ECR has no image ${plan.repository}:${plan.tag}; check that the buildspec pushes to that repository.`,
    );
  }
  const exported = final.exportedVariables.IMAGE_DIGEST;
  if (exported && exported !== after.digest) {
    reporter.warning(`the build reported digest ${exported}, ECR holds ${after.digest} for ${plan.tag}; using ECR's.`);
  }
  const result = await describeResult(plan, after.registryId, after.digest, services, { skipped: false, buildId: build.id, uploaded, watch: state });
  reporter.info(`built ${result.imageRef}`);
  return result;
}

async function uploadContext(
  plan: ImageBuildPlan,
  bucket: string,
  services: ImageServices,
  reporter: Reporter,
  retry: RetryOptions,
): Promise<boolean> {
  const where = `s3://${bucket}/${plan.source.key}`;
  if (await callWithRetry('S3 HeadObject', () => services.sources.exists(bucket, plan.source.key), retry)) {
    reporter.info(`build context already at ${where}`);
    return false;
  }
  const zip = await zipContext(plan.context.files);
  const sha256 = createHash('sha256').update(zip).digest('base64');
  await callWithRetry('S3 PutObject', () => services.sources.put(bucket, plan.source.key, zip, sha256), retry);
  reporter.info(`uploaded the build context (${plan.context.files.length} files, ${zip.length} bytes) to ${where}`);
  return true;
}

async function describeResult(
  plan: ImageBuildPlan,
  registryId: string,
  digest: string,
  services: ImageServices,
  rest: Pick<ImageBuildResult, 'skipped' | 'buildId' | 'uploaded' | 'watch'>,
): Promise<ImageBuildResult> {
  const host = await services.registry.registryHost(registryId);
  const repository = `${host}/${plan.repository}`;
  return { tag: plan.tag, imageUri: `${repository}:${plan.tag}`, imageRef: `${repository}:${plan.tag}@${digest}`, digest, ...rest };
}

const FAILED_PHASE_STATUSES = new Set(['FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED', 'CLIENT_ERROR']);

function findFailedPhase(build: BuildSnapshot): FailedPhase | undefined {
  const phase = build.phases.find((p) => p.status !== undefined && FAILED_PHASE_STATUSES.has(p.status));
  if (!phase) return undefined;
  return {
    phase: phase.type,
    status: phase.status ?? '',
    contexts: phase.contexts.map((c) => [c.statusCode, c.message].filter(Boolean).join(': ')),
  };
}

/** The one annotation a failed build leaves: phase, CodeBuild's reason, and the log's last lines. */
export function failureAnnotation(failure: ImageBuildFailedError): string {
  const lines = failure.lastLogLines.slice(-20);
  return [failure.message, ...(lines.length ? ['Last log lines:', ...lines] : [])].join('\n');
}
