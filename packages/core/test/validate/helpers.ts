import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compiledRegistry } from '@ray-gitops/testkit/schemas';
import {
  validateManifests,
  type FetchLike,
  type ResultReporter,
  type ValidateManifestsOptions,
  type ValidationResult,
  type ValidationSummary,
} from '../../src/validate/index.js';

export { CRDS, FIXTURES, REFERENCE, SHARED } from '@ray-gitops/testkit/paths';

export interface Run {
  readonly summary: ValidationSummary;
  readonly results: ValidationResult[];
  /** the exit status `ray-gitops validate` would give */
  readonly exitCode: number;
  /** every diagnostic as FILE:LINE:COL: message */
  readonly lines: string[];
}

/**
 * Tests never reach outside this machine: a schema URL off the loopback interface fails the way an
 * offline machine fails, without sending anything.
 */
export const offlineFetch: FetchLike = async (url) => {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`network disabled in tests (${host})`);
  const response = await fetch(url);
  return { status: response.status, text: () => response.text() };
};

/** Runs the whole pipeline and keeps every result (tests only: real runs stream). */
export async function run(paths: string[], options: Omit<ValidateManifestsOptions, 'paths'> = {}): Promise<Run> {
  const results: ValidationResult[] = [];
  const collector: ResultReporter = { write: (result) => results.push(result), flush: () => undefined };
  // CRDs alone (no locations, cache or version): the run's compiled registry for them, shared across files
  const { crds, strict, schemaLocations, cacheDir, kubernetesVersion, registry } = options;
  const onlyCrds = crds?.length && !registry && !schemaLocations?.length && !cacheDir && !kubernetesVersion;
  const shared = onlyCrds ? { registry: compiledRegistry({ crds, strict: strict ?? false }) } : {};
  const summary = await validateManifests({
    fetch: offlineFetch,
    ...options,
    ...shared,
    paths,
    reporters: [collector, ...(options.reporters ?? [])],
  });
  const lines = results.flatMap((r) =>
    r.diagnostics.map((d) => `${d.location.file}:${d.location.line}:${d.location.column}: ${d.message}`),
  );
  return { summary, results, exitCode: summary.ok ? 0 : 1, lines };
}

export function counts(summary: ValidationSummary): string {
  const { resources, valid, invalid, errors, skipped } = summary;
  return `resources=${resources} valid=${valid} invalid=${invalid} errors=${errors} skipped=${skipped}`;
}

export interface SchemaServer {
  readonly url: string;
  /** paths requested, in order */
  readonly requests: string[];
  /** replaces `from` with `to` in every body served from now on (e.g. a placeholder for the server's URL) */
  rewrite(from: string, to: string): void;
  close(): Promise<void>;
}

/** A schema registry on 127.0.0.1 serving `files` (URL path → body); anything else is a 404. */
export async function serveSchemas(files: Record<string, string>): Promise<SchemaServer> {
  const requests: string[] = [];
  const rewrites: [string, string][] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const body = rewrites.reduce<string | undefined>((text, [from, to]) => text?.split(from).join(to), files[path]);
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rewrite: (from, to) => rewrites.push([from, to]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export { assertValidJunit } from '@ray-gitops/testkit/junit';
