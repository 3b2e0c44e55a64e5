import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleAction, REPO_ROOT, runAsRunner } from '@ray-gitops/testkit/action-runner';
import { workspace } from '@ray-gitops/testkit/render-helpers';
import { beforeAll, describe, expect, test } from 'vitest';

const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ef'.repeat(32)}`;

let bundle: string;
beforeAll(async () => {
  bundle = await bundleAction('render-rgd');
});

/** Runs the bundled action the way the runner would: INPUT_* variables (action.yml defaults included) and file commands. */
async function runAction(inputs: Record<string, string>) {
  const result = await runAsRunner(bundle, { action: 'render-rgd', inputs });
  return { failed: result.exitCode !== 0, stdout: result.stdout, outputs: result.outputs, summary: result.summary };
}

describe('render-rgd action', () => {
  test('renders with the image and the staged-prefix map, sets changed/files and writes a summary', async () => {
    const ws = await workspace();
    const staged = JSON.stringify({
      'qwen2-5-7b-instruct': { uri: 's3://models-bucket/models/Qwen/Qwen2.5-7B-Instruct/abc123/', commit: 'abc123', manifestUri: 's3://models-bucket/models/.manifests/Qwen/Qwen2.5-7B-Instruct/abc123.json', source: 'huggingface:Qwen/Qwen2.5-7B-Instruct@main' },
    });
    const result = await runAction({ catalog: ws.catalog, out: ws.out, image: IMAGE, staged, versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(result.failed).toBe(false);
    expect(result.outputs.changed).toBe('true');
    const files = JSON.parse(result.outputs.files!) as string[];
    expect(files).toContain(join(ws.out, 'platform', 'llm-service.rgd.yaml'));
    expect(files).toContain(join(ws.out, 'platform', 'grafana-dashboard.yaml'));
    expect(files).toHaveLength(13);
    expect(result.summary).toContain('## Render: ⚠️ 13 file(s) changed, with warnings: 2 model(s) not staged yet\n');
    expect(result.summary).toContain('| `qwen2-5-7b-instruct` | `s3://models-bucket/models/Qwen/Qwen2.5-7B-Instruct/abc123/` | `abc123` |');
    expect(result.summary).toContain('| `llama-3-3-70b-instruct` | not staged yet (no RayService) | — |');
    expect(result.stdout).toContain('::warning::llama-3-3-70b-instruct and mistral-7b-instruct-v0-3 are not staged yet');
  });

  test('check mode passes on an up-to-date tree and fails listing the stale files', async () => {
    const ws = await workspace();
    await runAction({ catalog: ws.catalog, out: ws.out, image: IMAGE, versions: join(REPO_ROOT, 'docker', 'versions.json') });
    const clean = await runAction({ catalog: ws.catalog, out: ws.out, check: 'true', versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(clean).toMatchObject({ failed: false, outputs: { changed: 'false', files: '[]' } });
    expect(clean.summary).toMatch(/## Render check: ⚠️ up to date, with warnings: 3 model\(s\) not staged yet\n/);

    await rm(join(ws.catalog, 'qwen2-5-7b-instruct.yaml'));
    const stale = await runAction({ catalog: ws.catalog, out: ws.out, check: 'true', versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(stale.failed).toBe(true);
    expect(stale.outputs.files).toBe(JSON.stringify([join(ws.out, 'workloads', 'qwen2-5-7b-instruct', 'instance.yaml')]));
    expect(stale.stdout).toMatch(/::error::1 rendered file\(s\) in .* are stale/);
    expect(stale.summary).toContain('| deleted |');
    expect(stale.summary).toMatch(/## Render check: ❌ stale: 1 file\(s\) would change; also 2 model\(s\) not staged yet\n/);
  });

  test('annotates catalog errors and fails without rendering', async () => {
    const ws = await workspace();
    const broken = join(ws.catalog, 'broken.yaml');
    await writeFile(broken, 'name: broken\nsource:\n  huggingface:\n    repo: org/x\nserving:\n  maxModelLen: 8192\n  gpu: { type: L4, count: 3 }\n');
    const result = await runAction({ catalog: ws.catalog, out: ws.out, image: IMAGE, versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(result.failed).toBe(true);
    expect(result.stdout).toMatch(new RegExp(`::error file=${broken},line=7,endLine=7,col=27`));
    expect(result.outputs.changed).toBe('false');
    expect(result.summary).toContain('## Render: ❌ not rendered');
    expect(result.summary).toContain('not rendered');
  });

  test('a mutable image tag fails the step with a message that says what to pass', async () => {
    const ws = await workspace();
    const result = await runAction({ catalog: ws.catalog, out: ws.out, image: 'ray-vllm:latest', versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(result.failed).toBe(true);
    expect(result.stdout).toContain("::error::image 'ray-vllm:latest' is not pinned by digest");
  });

  test('stager-image: a tag fails the step; a pinned one is rendered, and a later render without it keeps it', async () => {
    const ws = await workspace();
    const versions = join(REPO_ROOT, 'docker', 'versions.json');
    const tagged = await runAction({ 'catalog': ws.catalog, 'out': ws.out, 'image': IMAGE, 'stager-image': 'ray-gitops-stager:latest', versions });
    expect(tagged.failed).toBe(true);
    expect(tagged.stdout).toContain("::error::stager image 'ray-gitops-stager:latest' is not pinned by digest");

    const stager = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager@sha256:${'cd'.repeat(32)}`;
    const built = await runAction({ 'catalog': ws.catalog, 'out': ws.out, 'image': IMAGE, 'stager-image': stager, versions });
    expect(built.failed).toBe(false);
    expect(built.summary).toContain(`Stager image: \`${stager}\`.`);
    const kept = await runAction({ catalog: ws.catalog, out: ws.out, check: 'true', versions });
    expect(kept).toMatchObject({ failed: false, outputs: { changed: 'false' } });
    expect(kept.summary).toContain(`Stager image: \`${stager}\` (kept from the previous render).`);
  });
});
