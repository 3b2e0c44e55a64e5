import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@ray-gitops/testkit/temp';
import { describe, expect, test } from 'vitest';
import { threadReportingCheck, withThreadReporting } from './fixtures/thread-reporting-check.js';
import { CRDS } from './helpers.js';
import { gitopsChecks, nonManifestPatterns, validateManifests, type ValidateManifestsOptions, type ValidationResult } from '../../src/index.js';

// The same tree validated on the main thread alone and spread over worker threads must give the same
// results in the same order: the committed gitops tree (its Argo CD Applications feed the cross-file
// sync-wave check), one Application moved to a wave that breaks the order, and generated Deployments,
// some invalid, some against the GPU policy.
async function tree(): Promise<string> {
  const dir = await tempDir('parallel-');
  await cp('gitops', join(dir, 'gitops'), { recursive: true });
  const platformApp = join(dir, 'gitops/apps/platform.yaml');
  await writeFile(platformApp, (await readFile(platformApp, 'utf8')).replace('argocd.argoproj.io/sync-wave: "-3"', 'argocd.argoproj.io/sync-wave: "-9"'));
  for (let i = 0; i < 40; i += 1) {
    const replicas = i % 7 === 3 ? '"two"' : String(i % 3);
    const image = i % 5 === 1 ? 'proxy:latest' : `proxy@sha256:${'0'.repeat(64)}`;
    await writeFile(
      join(dir, 'gitops', `extra-${i}.yaml`),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d${i}\n  namespace: llm\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels:\n      app: d${i}\n  template:\n    metadata:\n      labels:\n        app: d${i}\n    spec:\n      containers:\n      - name: c\n        image: ${image}\n`,
    );
  }
  return dir;
}

async function run(dir: string, options: Partial<ValidateManifestsOptions>) {
  const results: ValidationResult[] = [];
  const summary = await validateManifests({
    paths: [join(dir, 'gitops')],
    crds: [CRDS, join(dir, 'gitops/platform')],
    strict: true,
    ignoreFilenamePatterns: nonManifestPatterns(join(dir, 'gitops'), join(dir, 'gitops/models')),
    reporters: [{ write: (result) => results.push(result), flush: () => undefined }],
    ...options,
  });
  return { summary, results };
}

describe('validation spread over worker threads (--workers N)', () => {
  test('gives exactly the results of one thread, in the same order, cross-file findings once', async () => {
    const dir = await tree();
    // the gitops checks, and one that names the thread (and makes the main thread slow, so workers get files)
    const checks = withThreadReporting(gitopsChecks());
    const one = await run(dir, { checks, workers: 0, repoRoot: dir });
    const spread = await run(dir, { checks, workers: 2, repoRoot: dir });
    const threads = new Set(spread.results.flatMap((result) => result.diagnostics.filter((d) => d.code === 'thread/id').map((d) => d.message)));
    expect([...threads].some((message) => message !== 'validated in thread 0')).toBe(true);
    const withoutThreads = (results: ValidationResult[]) => results.map((result) => ({ ...result, diagnostics: result.diagnostics.filter((d) => d.code !== 'thread/id') }));
    expect(withoutThreads(spread.results)).toEqual(withoutThreads(one.results));
    expect(spread.summary).toEqual(one.summary);
    expect(one.summary.invalid).toBeGreaterThan(0);
    const codes = one.results.flatMap((result) => result.diagnostics.map((d) => d.code));
    const waves = one.results.flatMap((result) => result.diagnostics.filter((d) => d.code === 'argocd/sync-wave').map((d) => d.message));
    expect(waves.length).toBeGreaterThan(0);
    expect(new Set(waves).size).toBe(waves.length);
    expect(codes).toContain('policy/image-digest');
    expect(codes).toContain('schema/type');
  });

  test('files are really validated in worker threads: while the main thread is slow, the workers take files', async () => {
    const dir = await tree();
    const { results } = await run(dir, { checks: [threadReportingCheck()], workers: 2, ignoreMissingSchemas: true });
    const threads = new Set(results.flatMap((result) => result.diagnostics.filter((d) => d.code === 'thread/id').map((d) => d.message)));
    expect(threads.has('validated in thread 0')).toBe(true);
    expect([...threads].some((message) => message !== 'validated in thread 0')).toBe(true);
  });

  test('checks that cannot be rebuilt in a worker keep the run on the main thread', async () => {
    const dir = await tree();
    const { threadId: _, ...withoutSource } = { threadId: 0, ...threadReportingCheck() };
    const { source: __, ...check } = withoutSource;
    const { results } = await run(dir, { checks: [check], workers: 2, ignoreMissingSchemas: true });
    const threads = new Set(results.flatMap((result) => result.diagnostics.filter((d) => d.code === 'thread/id').map((d) => d.message)));
    expect([...threads]).toEqual(['validated in thread 0']);
  });
});
