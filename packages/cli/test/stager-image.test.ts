import { execFile } from 'node:child_process';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
let work: string;
let versions: string;

beforeAll(async () => {
  work = await tempDir('stager-image-');
  await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'docker/stager/bundle.mjs'), join(work, 'bundle')]);
  versions = join(work, 'versions.json');
  await writeFile(versions, JSON.stringify({ baseImage: `node:22-bookworm-slim@sha256:${'ab'.repeat(32)}` }));
}, 120_000);

afterAll(() => rm(work, { recursive: true, force: true }));

async function dryRun(bundleDir: string): Promise<{ tag: string; localBuild: string; hashedInputs: string[] }> {
  const args = ['--context', join(REPO_ROOT, 'docker/stager'), '--named-context', `bundle=${bundleDir}`, '--versions', versions, '--buildspec', join(REPO_ROOT, 'docker/buildspec.yml')];
  const { code, stdout, stderr } = await runCli('build-image', ...args, '--ecr-repository', 'ray-gitops-stager', '--source-bucket', 'build-sources', '--dry-run', '--json');
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as { tag: string; localBuild: string; hashedInputs: string[] };
}

describe('the stager image through build-image', () => {
  test('is content-tagged by its Dockerfile, base image and CLI bundle: the same bundle the same tag, a changed bundle a new one', async () => {
    const first = await dryRun(join(work, 'bundle'));
    expect(first.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(first.hashedInputs.some((line) => line.startsWith('file "named/bundle/ray-gitops.mjs"'))).toBe(true);
    // only the Dockerfile comes from docker/stager itself: bundle.mjs and a local dist/ do not change the tag
    expect(first.hashedInputs.filter((line) => line.startsWith('file "context/')).map((line) => line.split('"')[1])).toEqual(['context/.dockerignore', 'context/Dockerfile']);
    expect(first.localBuild).toContain('--build-arg BASE_IMAGE=node:22-bookworm-slim@sha256:');
    expect((await dryRun(join(work, 'bundle'))).tag).toBe(first.tag);
    await appendFile(join(work, 'bundle', 'ray-gitops.mjs'), '\n// another CLI\n');
    expect((await dryRun(join(work, 'bundle'))).tag).not.toBe(first.tag);
  }, 120_000);
});
