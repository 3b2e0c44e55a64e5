import { setTimeout as sleep } from 'node:timers/promises';
import { AwsCallError } from './errors.js';
import { callWithRetry, type BackoffPolicy, type ErrorKind } from './retry.js';
import { TERMINAL_STATUSES, type BuildLogReader, type BuildService, type BuildSnapshot } from './services.js';
import type { Reporter } from '../report/index.js';

export interface WatchTiming {
  /** delay between polls while something happens */
  readonly pollIntervalMs: number;
  /** idle polls back off (×1.5) up to this; any new log line or phase change resets to pollIntervalMs */
  readonly maxPollIntervalMs: number;
  /** once the build ends, wait this long and read the log once more: CloudWatch ingestion lags a little */
  readonly logDrainMs: number;
  /** a "still running" line when nothing was printed for this long */
  readonly heartbeatMs: number;
  /** backoff for throttled or failed calls */
  readonly retry: BackoffPolicy;
  readonly random?: () => number;
}

export const DEFAULT_WATCH_TIMING: WatchTiming = {
  pollIntervalMs: 3_000,
  maxPollIntervalMs: 15_000,
  logDrainMs: 3_000,
  heartbeatMs: 60_000,
  retry: { baseMs: 1_000, capMs: 20_000, maxAttempts: 8 },
};

/** Timing for a poll interval a person chose (CLI --poll-interval, the action's poll-interval-seconds). */
export function timingForPollInterval(seconds: number): Partial<WatchTiming> {
  const ms = seconds * 1000;
  return {
    pollIntervalMs: ms,
    maxPollIntervalMs: Math.max(DEFAULT_WATCH_TIMING.maxPollIntervalMs, ms),
    logDrainMs: Math.min(DEFAULT_WATCH_TIMING.logDrainMs, ms),
  };
}

/** One line for the person watching: a build log line, or a status note from build-image itself. */
interface WatchLine {
  readonly kind: 'log' | 'status';
  /** the build phase the line belongs to, from CodeBuild's `Entering phase X` markers */
  readonly phase: string;
  readonly text: string;
}

/**
 * Everything the watch must not lose between polls and across retries, in one place: where the log
 * reading stands (the forward token), which phase the log is in, the current poll delay, the tail
 * kept for a failure report. A throttled call is retried with this state untouched, and the poll
 * delay returns to its base after the next quiet success instead of growing for good.
 */
export interface WatchState {
  readonly buildId: string;
  snapshot: BuildSnapshot;
  logToken: string | undefined;
  /** the phase of the last `Entering phase X` line; before the first, the build's current phase stands in */
  logPhase: string | undefined;
  pollDelayMs: number;
  linesSeen: number;
  readonly tail: string[];
  logsUnavailable: string | undefined;
  lastOutputAt: number;
  readonly startedAt: number;
  retries: { throttled: number; transient: number };
}

const TAIL_LINES = 30;
const MAX_LOG_PAGES_PER_POLL = 100;
const PHASE_MARKER = /\b(?:Entering phase|Phase is) ([A-Z_]+)\b/;

export function newWatchState(build: BuildSnapshot, timing: WatchTiming, now = Date.now()): WatchState {
  return {
    buildId: build.id,
    snapshot: build,
    logToken: undefined,
    logPhase: undefined,
    pollDelayMs: timing.pollIntervalMs,
    linesSeen: 0,
    tail: [],
    logsUnavailable: undefined,
    lastOutputAt: now,
    startedAt: now,
    retries: { throttled: 0, transient: 0 },
  };
}

interface WatchDeps {
  readonly builds: BuildService;
  readonly logs: BuildLogReader;
  readonly reporter: Reporter;
}

/**
 * Polls BatchGetBuilds and follows the CloudWatch log stream until the build ends, yielding each
 * log line once, in order, across GetLogEvents pages (the forward token is followed until it
 * repeats). Returns the final build. Throws when the build's status cannot be read any more
 * (a fatal error, or retries exhausted) or when the signal aborts; the caller stops the build then.
 */
export async function* watchBuild(
  state: WatchState,
  deps: WatchDeps,
  timing: WatchTiming,
  signal?: AbortSignal,
): AsyncGenerator<WatchLine, BuildSnapshot> {
  const retryOptions = {
    policy: timing.retry,
    signal,
    random: timing.random,
    onRetry: (event: { operation: string; kind: ErrorKind; errorName: string; attempt: number; waitMs: number }) => {
      if (event.kind === 'throttling') state.retries.throttled += 1;
      else state.retries.transient += 1;
      deps.reporter.info(
        `${event.operation}: ${event.errorName} (${event.kind}); retry ${event.attempt + 1}/${timing.retry.maxAttempts} in ${(event.waitMs / 1000).toFixed(1)}s`,
      );
    },
  };

  for (;;) {
    signal?.throwIfAborted();
    const snapshot = await callWithRetry('CodeBuild BatchGetBuilds', () => deps.builds.get(state.buildId), retryOptions);
    if (!snapshot) throw new AwsCallError('CodeBuild BatchGetBuilds', 'BuildNotFound', `CodeBuild does not know build ${state.buildId} any more.`);
    const previous = state.snapshot;
    state.snapshot = snapshot;
    // the log first, so a status line lands in the group of the phase the log has reached
    const before = state.linesSeen;
    yield* readNewLogLines(state, deps, retryOptions);
    let activity = state.linesSeen > before;
    if (snapshot.status !== previous.status || snapshot.currentPhase !== previous.currentPhase) {
      activity = true;
      yield status(state, `[build-image] ${state.buildId}: ${snapshot.status}, phase ${snapshot.currentPhase ?? '?'} (${elapsed(state)})`);
    }

    if (TERMINAL_STATUSES.has(snapshot.status)) {
      if (timing.logDrainMs > 0 && snapshot.logs && !state.logsUnavailable) {
        await sleep(timing.logDrainMs, undefined, { signal });
        yield* readNewLogLines(state, deps, retryOptions);
      }
      return snapshot;
    }

    if (Date.now() - state.lastOutputAt >= timing.heartbeatMs) {
      yield status(state, `[build-image] ${state.buildId}: still ${snapshot.status} in ${snapshot.currentPhase ?? '?'} (${elapsed(state)})`);
    }
    state.pollDelayMs = activity ? timing.pollIntervalMs : Math.min(timing.maxPollIntervalMs, Math.round(state.pollDelayMs * 1.5));
    await sleep(withJitter(state.pollDelayMs, timing.random ?? Math.random), undefined, { signal });
  }
}

async function* readNewLogLines(
  state: WatchState,
  deps: WatchDeps,
  retryOptions: Parameters<typeof callWithRetry>[2],
): AsyncGenerator<WatchLine, void> {
  const location = state.snapshot.logs;
  if (!location || state.logsUnavailable) return;
  for (let page = 0; page < MAX_LOG_PAGES_PER_POLL; page++) {
    const sent = state.logToken;
    let result;
    try {
      result = await callWithRetry('CloudWatch Logs GetLogEvents', () => deps.logs.read(location.group, location.stream, sent), retryOptions);
    } catch (error) {
      if (!(error instanceof AwsCallError)) throw error;
      // the build goes on without its log: its status alone still decides the outcome
      state.logsUnavailable = error.message;
      yield status(state, `[build-image] cannot read the build log any more (${error.message}); following the build status only.` +
        (location.deepLink ? ` Log: ${location.deepLink}` : ''));
      return;
    }
    if (!result) return; // the stream does not exist yet
    for (const event of result.events) {
      for (const text of event.message.replace(/\r?\n$/, '').split(/\r?\n/)) {
        const marker = PHASE_MARKER.exec(text);
        if (marker) state.logPhase = marker[1]!;
        state.linesSeen += 1;
        state.tail.push(text);
        if (state.tail.length > TAIL_LINES) state.tail.shift();
        state.lastOutputAt = Date.now();
        yield { kind: 'log', phase: currentPhase(state), text };
      }
    }
    // GetLogEvents hands back the token it was given once the end of the stream is reached
    if (!result.nextForwardToken || result.nextForwardToken === sent) return;
    state.logToken = result.nextForwardToken;
  }
}

function status(state: WatchState, text: string): WatchLine {
  state.lastOutputAt = Date.now();
  return { kind: 'status', phase: currentPhase(state), text };
}

function currentPhase(state: WatchState): string {
  return state.logPhase ?? state.snapshot.currentPhase ?? 'SUBMITTED';
}

function elapsed(state: WatchState): string {
  const seconds = Math.round((Date.now() - state.startedAt) / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

/** ±20 %, so many workflows polling one account do not fall into step. */
function withJitter(ms: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (0.8 + 0.4 * random())));
}

/**
 * Prints the watched lines, one collapsible group per build phase (in Actions, `::group::`), and
 * returns the final build.
 */
export async function printInPhaseGroups(
  lines: AsyncGenerator<WatchLine, BuildSnapshot>,
  reporter: Reporter,
  title: (phase: string) => string,
): Promise<BuildSnapshot> {
  let next = await lines.next();
  while (!next.done) {
    const phase = next.value.phase;
    await reporter.group(title(phase), async () => {
      while (!next.done && next.value.phase === phase) {
        reporter.info(next.value.text);
        next = await lines.next();
      }
    });
  }
  return next.value;
}
