import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE, REPO_ROOT, VERSIONS_FILE, workspace } from '@ray-gitops/testkit/render-helpers';
import { describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const VERSIONS = VERSIONS_FILE;

function render(ws: { out: string; catalog: string }, ...args: string[]) {
  return runCli('render', '--catalog', ws.catalog, '--out', ws.out, '--versions', VERSIONS, ...args);
}

describe('ray-gitops render', () => {
  test('renders the tree, lists what it wrote on stdout, and says which models are not staged yet', async () => {
    const ws = await workspace();
    const { code, stdout, stderr } = await render(ws, '--image', IMAGE);
    expect(code).toBe(0);
    expect(stdout.split('\n')).toContain(`added ${join(ws.out, 'platform', 'llm-service.rgd.yaml')}`);
    expect(stdout.split('\n')).toContain(`added ${join(ws.out, 'workloads', 'qwen2-5-7b-instruct', 'instance.yaml')}`);
    // said once for all of them, not once per model
    expect(stderr).toContain('warning: llama-3-3-70b-instruct, mistral-7b-instruct-v0-3 and qwen2-5-7b-instruct are not staged yet: their instances');
    expect(stderr.match(/not staged yet:/g)).toHaveLength(1);
    expect(stderr).toMatch(/3 model\(s\), 3 not staged yet; image 123456789012\.dkr\.ecr/);
  });

  test('says "no image built yet" for the all-zero placeholder digest, never the digest as if it were an image', async () => {
    const ws = await workspace();
    const placeholder = `000000000000.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'0'.repeat(64)}`;
    expect((await render(ws, '--image', placeholder)).code).toBe(0);
    const kept = await render(ws);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain('; image no image built yet (the tree carries the all-zero placeholder digest; the first deploy builds the image) (kept)');
    expect(kept.stderr).not.toContain('0000000000000000');
  });

  test('--format json prints one document: the changes, each model with its staged prefix or null, the image', async () => {
    const ws = await workspace();
    const { code, stdout } = await render(ws, '--image', IMAGE, '--format', 'json');
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as { changes: { kind: string; path: string }[]; image: string; models: { name: string; staged: unknown }[] };
    expect(document.changes).toContainEqual({ kind: 'added', path: join(ws.out, 'platform', 'llm-service.rgd.yaml') });
    expect(document.image).toBe(IMAGE);
    expect(document.models).toContainEqual(expect.objectContaining({ name: 'qwen2-5-7b-instruct', staged: null }));
    const again = JSON.parse((await render(ws, '--check', '--format', 'json')).stdout) as { upToDate: boolean; changes: unknown[] };
    expect(again).toMatchObject({ upToDate: true, changes: [] });
  });

  test('--check is green on a fresh render and exits 1 listing stale files after a change', async () => {
    const ws = await workspace();
    await render(ws, '--image', IMAGE);
    const clean = await render(ws, '--check');
    expect(clean).toMatchObject({ code: 0, stdout: '' });
    expect(clean.stderr).toContain('is up to date');

    await rm(join(ws.catalog, 'mistral-7b-instruct-v0-3.yaml'));
    const stale = await render(ws, '--check');
    expect(stale.code).toBe(1);
    expect(stale.stdout).toBe(`deleted ${join(ws.out, 'workloads', 'mistral-7b-instruct-v0-3', 'instance.yaml')}\n`);
    expect(stale.stderr).toContain('1 file(s) in');
    expect(await readFile(join(ws.out, 'workloads', 'mistral-7b-instruct-v0-3', 'instance.yaml'), 'utf8')).toContain('mistral');
  });

  test('takes the staged-prefix map prestage produced', async () => {
    const ws = await workspace();
    const staged = join(ws.out, '..', 'staged.json');
    await writeFile(
      staged,
      JSON.stringify({
        'qwen2-5-7b-instruct': {
          uri: 's3://models-bucket/models/Qwen/Qwen2.5-7B-Instruct/a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e/',
          commit: 'a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e',
          manifestUri: 's3://models-bucket/models/.manifests/Qwen/Qwen2.5-7B-Instruct/a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e.json',
          source: 'huggingface:Qwen/Qwen2.5-7B-Instruct@main',
        },
      }),
    );
    const { code, stderr } = await render(ws, '--image', IMAGE, '--staged', staged);
    expect(code).toBe(0);
    expect(stderr).toContain('2 not staged yet');
    const instance = await readFile(join(ws.out, 'workloads', 'qwen2-5-7b-instruct', 'instance.yaml'), 'utf8');
    expect(instance).toContain('source: s3://models-bucket/models/Qwen/Qwen2.5-7B-Instruct/a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e/');
  });

  test('prints catalog problems as FILE:LINE:COL and exits 1 without writing', async () => {
    const ws = await workspace();
    await writeFile(join(ws.catalog, 'broken.yaml'), 'name: broken\nsource:\n  huggingface:\n    repo: org/x\nserving:\n  maxModelLen: 8192\n  gpu: { type: L4, count: 3 }\n');
    const { code, stdout, stderr } = await render(ws, '--image', IMAGE);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`^${join(ws.catalog, 'broken.yaml')}:7:27: `));
    expect(stderr).toContain('nothing was rendered');
  });

  test('refuses an image that is not pinned by digest, and a first render without one', async () => {
    const ws = await workspace();
    const latest = await render(ws, '--image', 'ray-vllm:latest');
    expect(latest.code).toBe(2);
    expect(latest.stderr).toContain("image 'ray-vllm:latest' is not pinned by digest");
    const none = await render(ws);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('pass --image repository@sha256:<digest>');
  });

  test('--stager-image: refused as a tag, recorded when pinned, kept by a render without it', async () => {
    const ws = await workspace();
    const stager = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager@sha256:${'cd'.repeat(32)}`;
    const tagged = await render(ws, '--image', IMAGE, '--stager-image', 'ray-gitops-stager:1.0');
    expect(tagged.code).toBe(2);
    expect(tagged.stderr).toContain("stager image 'ray-gitops-stager:1.0' is not pinned by digest");
    await expect(readFile(join(ws.out, 'platform', 'llm-service.rgd.yaml'))).rejects.toThrow(/ENOENT/);

    const first = JSON.parse((await render(ws, '--image', IMAGE, '--stager-image', stager, '--format', 'json')).stdout) as Record<string, unknown>;
    expect(first).toMatchObject({ stagerImage: stager, stagerImageOrigin: 'argument' });
    expect(await readFile(join(ws.out, 'platform', 'llm-service.rgd.yaml'), 'utf8')).toContain(`ray-gitops.io/stager-image: ${stager}`);
    const kept = await render(ws, '--check', '--format', 'json');
    expect(kept.code).toBe(0);
    expect(JSON.parse(kept.stdout)).toMatchObject({ upToDate: true, stagerImage: stager, stagerImageOrigin: 'previous-render' });
  });

  test('missing settings say what to write', async () => {
    const ws = await workspace();
    await rm(join(ws.out, 'render-settings.yaml'));
    const { code, stderr } = await render(ws, '--image', IMAGE);
    expect(code).toBe(1);
    expect(stderr).toContain('repoURL: https://github.com/<org>/<repo>.git');
  });

  test('is green on the committed gitops/ tree', async () => {
    const { code, stdout, stderr } = await runCli('render', '--check', '--versions', VERSIONS, '--out', join(REPO_ROOT, 'gitops'), '--catalog', join(REPO_ROOT, 'gitops', 'models'));
    expect(stdout).toBe('');
    expect(stderr).toContain('is up to date');
    expect(code).toBe(0);
  });
});
