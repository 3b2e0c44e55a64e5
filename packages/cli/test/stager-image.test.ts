import { execFile } from 'node:child_process';
import { appendFile, cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pushImageIndex, startRegistry, type TestRegistry } from '@ray-gitops/testkit/registry';
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

describe("the stager image's base in docker/stager/versions.json", () => {
  let registry: TestRegistry;
  const savedDockerConfig = process.env.DOCKER_CONFIG;
  beforeAll(async () => {
    registry = await startRegistry();
    // no docker login of the machine running the tests may leak in
    process.env.DOCKER_CONFIG = await tempDir('stager-docker-config-');
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedDockerConfig;
  });

  test('is committed unpinned, so the real build refuses it, and ray-gitops pin pins it like the Ray base image', async () => {
    const copy = await tempDir('stager-pin-');
    await cp(join(REPO_ROOT, 'docker/stager'), join(copy, 'stager'), { recursive: true });
    const file = join(copy, 'stager/versions.json');
    const committed = JSON.parse(await readFile(file, 'utf8')) as { $comment: string; baseImage: string };
    expect(committed.baseImage).toMatch(/^node:\d+-[a-z]+-slim$/);
    // the committed Docker Hub image, mirrored onto the test registry under the same repository and tag
    const [name, tag] = committed.baseImage.split(':') as [string, string];
    const pushed = await pushImageIndex(registry, `library/${name}`, tag, 'mirror');
    const mirrored = `${registry.host}/library/${name}:${tag}`;
    const before = (await readFile(file, 'utf8')).replace(JSON.stringify(committed.baseImage), JSON.stringify(mirrored));
    await writeFile(file, before);
    const stagerDryRun = () =>
      runCli('build-image', '--context', join(copy, 'stager'), '--named-context', `bundle=${join(work, 'bundle')}`, '--buildspec', join(REPO_ROOT, 'docker/buildspec.yml'),
        '--ecr-repository', 'ray-gitops-stager', '--source-bucket', 'build-sources', '--dry-run', '--json');

    const unpinned = await stagerDryRun();
    expect(unpinned.code, unpinned.stderr).toBe(0);
    expect(unpinned.stderr).toContain(`base image ${mirrored} is not pinned by digest, so no build starts`);

    const check = await runCli('pin', '--check', '--versions', file);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`baseImage ${mirrored} is not pinned; its tag points at ${mirrored}@${pushed.digest}`);
    const pin = await runCli('pin', '--versions', file);
    expect(pin.code, pin.stderr).toBe(0);
    expect(pin.stdout).toBe(`${file}: baseImage ${mirrored} → ${mirrored}@${pushed.digest} (pinned)\n`);
    // only the digest is added: the comment and the layout stay
    expect(await readFile(file, 'utf8')).toBe(before.replace(`"${mirrored}"`, `"${mirrored}@${pushed.digest}"`));

    const pinned = await stagerDryRun();
    expect(pinned.code).toBe(0);
    expect(pinned.stderr).not.toContain('not pinned');
    expect((JSON.parse(pinned.stdout) as { buildArgs: Record<string, string> }).buildArgs.BASE_IMAGE).toBe(`${mirrored}@${pushed.digest}`);
  }, 120_000);
});
