/**
 * What every client gets: the region, when given, and no SDK-side retries. A module of its own so the
 * clients (ecr.ts, codebuild.ts, …) and clients.ts, which loads them on first use, do not import each other.
 */
export interface ClientConfig {
  readonly region?: string;
  readonly maxAttempts: number;
}
