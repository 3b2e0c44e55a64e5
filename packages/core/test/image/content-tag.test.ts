import { chmod, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURE_BUILDSPEC, FIXTURE_DOCKERFILE, makeImageSource, PINNED_BASE, writeFiles } from '@ray-gitops/testkit/image-fixtures';
import { describe, expect, test } from 'vitest';
import { BuildContextError, computeContentTag, planImageBuild, type ImageBuildOptions } from '../../src/index.js';

async function planFor(source: { context: string; serve: string }, extra: Partial<ImageBuildOptions> = {}) {
  return planImageBuild({
    contextDir: source.context,
    namedContexts: { serve: source.serve },
    repository: 'ray-vllm',
    project: 'ray-vllm-image',
    idempotencyToken: 'fixed',
    ...extra,
  });
}

describe('content tag', () => {
  test('is the same for the same context in two temp dirs, whatever the mtimes and creation order', async () => {
    const a = await makeImageSource();
    // the same files, written in the opposite order, with other timestamps and a different umask on group bits
    const b = await makeImageSource({});
    await writeFiles(b.root, { 'serve/pyproject.toml': '[project]\nname = "pkg"\n', 'serve/pkg/app.py': 'def app():\n    return "hello"\n' });
    await utimes(join(b.serve, 'pkg/app.py'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    await utimes(join(b.context, 'Dockerfile'), new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    await chmod(join(b.serve, 'pyproject.toml'), 0o664);

    const [planA, planB] = await Promise.all([planFor(a), planFor(b)]);
    expect(planA.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(planB.tag).toBe(planA.tag);
    expect(planB.manifest).toBe(planA.manifest);
  });

  test('changes with a one-byte change to any file of the context', async () => {
    const base = await planFor(await makeImageSource());
    const serveEdit = await planFor(await makeImageSource({ 'serve/pkg/app.py': 'def app():\n    return "hellp"\n' }));
    const dockerfileEdit = await planFor(await makeImageSource({ 'docker/Dockerfile': `${FIXTURE_DOCKERFILE} ` }));
    expect(serveEdit.tag).not.toBe(base.tag);
    expect(dockerfileEdit.tag).not.toBe(base.tag);
  });

  test('changes with a build argument, from versions.json or from --build-arg', async () => {
    const source = await makeImageSource();
    const base = await planFor(source);
    const overridden = await planFor(source, { buildArgs: { VLLM_VERSION: '0.11.1' } });
    const bumped = await planFor(
      await makeImageSource({ 'docker/versions.json': JSON.stringify({ ray: '2.52.0', vllm: '0.11.1', baseImage: PINNED_BASE }) }),
    );
    expect(overridden.tag).not.toBe(base.tag);
    expect(bumped.tag).toBe(overridden.tag);
    expect(base.buildArgs).toEqual({ BASE_IMAGE: PINNED_BASE, RAY_VERSION: '2.52.0', VLLM_VERSION: '0.11.0' });
  });

  test('changes with the buildspec and with the executable bit, which both change the image', async () => {
    const source = await makeImageSource();
    const base = await planFor(source);
    const buildspec = await planFor(await makeImageSource({ 'docker/buildspec.yml': `${FIXTURE_BUILDSPEC}# note\n` }));
    await chmod(join(source.serve, 'pkg/app.py'), 0o755);
    const executable = await planFor(source);
    expect(buildspec.tag).not.toBe(base.tag);
    expect(executable.tag).not.toBe(base.tag);
  });

  test('ignores what .dockerignore excludes, versions the Dockerfile never reads, and provenance arguments', async () => {
    const base = await planFor(await makeImageSource());
    const noise = await makeImageSource({
      'docker/README.md': 'edited: not sent to Docker\n',
      'docker/notes.txt': 'ignored by *\n',
      'docker/versions.json': JSON.stringify({ $comment: 'other words', ray: '2.52.0', vllm: '0.11.0', cuda: '12.9', baseImage: PINNED_BASE }),
    });
    const withNoise = await planFor(noise, { provenance: { revision: 'abc123', source: 'https://github.com/o/r' } });
    expect(withNoise.tag).toBe(base.tag);
    expect(withNoise.provenanceArgs).toEqual({ OCI_REVISION: 'abc123', CONTENT_TAG: base.tag });
    expect(withNoise.context.files.map((f) => f.zipPath)).toEqual([
      'context/.dockerignore',
      'context/Dockerfile',
      'named/serve/pkg/__init__.py',
      'named/serve/pkg/app.py',
      'named/serve/pyproject.toml',
    ]);
  });

  test("honours a named context's own .dockerignore, exceptions included", async () => {
    const source = await makeImageSource({
      'serve/.dockerignore': 'tests/\n**/__pycache__\n!tests/keep.txt\n',
      'serve/tests/test_app.py': 'def test(): pass\n',
      'serve/tests/keep.txt': 'kept\n',
      'serve/pkg/__pycache__/app.cpython-311.pyc': 'bytecode',
    });
    const plan = await planFor(source);
    const serveFiles = plan.context.files.map((f) => f.zipPath).filter((p) => p.startsWith('named/'));
    expect(serveFiles).toEqual([
      'named/serve/.dockerignore',
      'named/serve/pkg/__init__.py',
      'named/serve/pkg/app.py',
      'named/serve/pyproject.toml',
      'named/serve/tests/keep.txt',
    ]);
  });

  test('refuses a symlink in the context instead of following it', async () => {
    const source = await makeImageSource();
    await symlink('/etc/hostname', join(source.serve, 'pkg/link.txt'));
    await expect(planFor(source)).rejects.toThrow(BuildContextError);
    await expect(planFor(source)).rejects.toThrow(/pkg\/link\.txt is a symbolic link/);
  });

  test('says which directory is missing', async () => {
    const source = await makeImageSource();
    await expect(planFor(source, { namedContexts: { serve: join(source.root, 'nope') } })).rejects.toThrow(
      /named build context 'serve' .*nope.* cannot be read: ENOENT/,
    );
  });

  test('hashes paths, not the order or content of unrelated files', async () => {
    const source = await makeImageSource();
    const before = await planFor(source);
    await writeFile(join(source.context, 'ignored-anyway.bin'), Buffer.alloc(1024, 7));
    expect((await planFor(source)).tag).toBe(before.tag);
  });

  test('does not depend on the order the files are listed in, but on their names', async () => {
    const plan = await planFor(await makeImageSource());
    const inputs = { files: plan.context.files, buildArgs: plan.buildArgs, buildspec: plan.buildspec };
    const reversed = computeContentTag({ ...inputs, files: [...plan.context.files].reverse() });
    const args = Object.fromEntries(Object.entries(plan.buildArgs).reverse());
    expect(reversed.tag).toBe(plan.tag);
    expect(computeContentTag({ ...inputs, buildArgs: args }).tag).toBe(plan.tag);
    const renamed = plan.context.files.map((f) => (f.zipPath.endsWith('app.py') ? { ...f, zipPath: f.zipPath.replace('app.py', 'main.py') } : f));
    expect(computeContentTag({ ...inputs, files: renamed }).tag).not.toBe(plan.tag);
  });
});
