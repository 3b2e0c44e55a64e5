import { HubLookups, TIMED_OUT } from './hub-lookups.js';
import type { StagingItem, StagingReason, StagingSize } from './types.js';
import type { CatalogEntry } from '../catalog/check-catalog.js';
import type { ModelSource } from '../catalog/model-entry.js';
import { RayGitopsError } from '../errors/errors.js';
import { guardedFetch, isAllowedUrl, printableUrl, type AnswerHead } from '../net/index.js';
import { awaitsStaging, type PreviousPlacement } from '../render/staged.js';
import { DEFAULT_HF_ENDPOINT, resolveHuggingFace, type HuggingFaceOptions } from '../stage/hf.js';
import { isRetryable, type RetryPolicy } from '../stage/retry.js';
import { selectFiles } from '../stage/select.js';
import { sourceIdentity } from '../staged/source-identity.js';

/** A plan should answer in seconds: two quick tries, not the long patience of a staging run. */
const PLAN_RETRY: RetryPolicy = { attempts: 2, baseMs: 200, maxMs: 1_000 };
const HEAD_TIMEOUT_MS = 15_000;

interface PlanStagingOptions {
  readonly offline: boolean;
  /** Hub endpoint and token; HF_ENDPOINT and HF_TOKEN when not given */
  readonly hub?: Pick<HuggingFaceOptions, 'endpoint' | 'token'>;
  /** the plan's bounds on Hub traffic (concurrency, deadline), shared with the fit checks */
  readonly lookups?: HubLookups;
  /** the stager image a render would use (the committed tree's, or the settings' staging.image); absent: none built yet */
  readonly stagerImage?: string;
}

/**
 * The models the merge stages: those render would leave pending, because the committed tree records
 * no staged weights for their current source. Sizes come from the Hub's file listing, narrowed to the
 * files staging copies (the default selection), or from the archive's Content-Length.
 */
export async function planStaging(
  entries: readonly CatalogEntry[],
  previous: ReadonlyMap<string, PreviousPlacement>,
  options: PlanStagingOptions,
): Promise<StagingItem[]> {
  const lookups = options.lookups ?? new HubLookups();
  const pending = entries.flatMap(({ entry }) => {
    const before = previous.get(entry.name);
    if (!awaitsStaging(entry, before)) return [];
    const identity = sourceIdentity(entry.source);
    const reason: StagingReason = before === undefined ? 'new' : before.sourceIdentity !== identity ? 'source-changed' : 'not-staged';
    return [{ entry, identity, reason }];
  });
  return Promise.all(
    pending.map(async ({ entry, identity, reason }): Promise<StagingItem> => {
      const stager = options.stagerImage === undefined ? {} : { stagerImage: options.stagerImage };
      const inCluster = entry.staging?.where === 'cluster' ? { inClusterShards: entry.staging.shards, ...stager } : {};
      if (options.offline) return { name: entry.name, source: identity, reason, size: { status: 'unknown', reason: 'offline' }, ...inCluster };
      const size = await lookups.run(`size:${identity}`, () => sizeOf(entry.source, options, lookups));
      return { name: entry.name, source: identity, reason, size: size === TIMED_OUT ? { status: 'unknown', reason: lookups.timeoutReason } : size, ...inCluster };
    }),
  );
}

async function sizeOf(source: ModelSource, options: PlanStagingOptions, lookups: HubLookups): Promise<StagingSize> {
  try {
    if (source.kind === 'huggingface') {
      const resolved = await resolveHuggingFace(source.repo, source.revision, { ...options.hub, retry: PLAN_RETRY, signal: lookups.requestSignal() });
      const { files } = selectFiles(resolved.files);
      return { status: 'known', files: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0), commit: resolved.commit };
    }
    if (source.kind === 'url') return await archiveSize(source.url);
    return { status: 'unknown', reason: 'already in S3' };
  } catch (caught) {
    // staging's Hub client explains network failures in a line of its own; the plan says it shorter
    const cause = (caught as { cause?: unknown }).cause;
    const networkFailure = cause instanceof Error && !(cause instanceof RayGitopsError) && isRetryable(cause);
    const error = caught instanceof RayGitopsError && networkFailure ? cause : caught;
    if (error instanceof RayGitopsError) return { status: 'unknown', reason: error.message };
    // the plan's deadline, or this lookup stalling: the size stays unknown, the plan goes on
    if (isAbort(error)) return { status: 'unknown', reason: 'the Hub did not answer in time' };
    if (!isRetryable(error)) throw error;
    const endpoint = options.hub?.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT;
    return { status: 'unknown', reason: `cannot reach the Hugging Face Hub at ${printableUrl(endpoint).replace(/\/$/, '')} (${networkCause(error)})` };
  }
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : (error as Error).message;
}

/** The archive's size from a HEAD request: staging lists its files only while reading it whole. */
async function archiveSize(url: string): Promise<StagingSize> {
  let response: AnswerHead;
  try {
    // the staging rules: never from https to http, nothing compressed, http only on loopback hosts
    if (!isAllowedUrl(new URL(url))) return { status: 'unknown', reason: `${printableUrl(url)} is not https; staging will refuse it` };
    response = (await guardedFetch(url, { method: 'HEAD', idleTimeoutMs: HEAD_TIMEOUT_MS, signal: AbortSignal.timeout(HEAD_TIMEOUT_MS) })).response;
  } catch (error) {
    if (error instanceof RayGitopsError) return { status: 'unknown', reason: error.message };
    return { status: 'unknown', reason: `cannot reach ${printableUrl(url)} (${networkCause(error)})` };
  }
  const length = Number(response.headers.get('content-length'));
  if (!response.ok) return { status: 'unknown', reason: `${printableUrl(url)} answered HTTP ${response.status}` };
  if (!Number.isSafeInteger(length) || length <= 0) return { status: 'unknown', reason: `${printableUrl(url)} does not say its size` };
  return { status: 'archive', bytes: length };
}
