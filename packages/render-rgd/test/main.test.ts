import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { afterEach, describe, expect, test } from 'vitest';
import { run } from '../src/main.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ef'.repeat(32)}`;

interface ActionRun {
  readonly failed: boolean;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Runs the action's run() in-process the way the runner would: INPUT_* variables and file commands. */
async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
  const work = await mkdtemp(join(tmpdir(), 'render-rgd-'));
  const outputFile = join(work, 'output');
  const summaryFile = join(work, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const saved = { ...process.env };
  process.env.GITHUB_OUTPUT = outputFile;
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  // @actions/core remembers the summary file of its first use; each run here is a separate step
  (core.summary as unknown as { _filePath?: string })._filePath = undefined;
  for (const [name, value] of Object.entries({ check: 'false', ...inputs })) process.env[`INPUT_${name.toUpperCase()}`] = value;
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
    process.env = saved;
  }
  const failed = process.exitCode === 1;
  process.exitCode = undefined;
  const outputs: Record<string, string> = {};
  for (const match of (await readFile(outputFile, 'utf8')).matchAll(/^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]!] = match[3]!;
  return { failed, stdout, outputs, summary: await readFile(summaryFile, 'utf8') };
}

async function workspace(): Promise<{ out: string; catalog: string }> {
  const root = await mkdtemp(join(tmpdir(), 'render-rgd-ws-'));
  const out = join(root, 'gitops');
  const catalog = join(out, 'models');
  await mkdir(out, { recursive: true });
  await cp(join(REPO_ROOT, 'gitops', 'models'), catalog, { recursive: true });
  await writeFile(join(out, 'render-settings.yaml'), 'repoURL: https://github.com/example-org/ray-gitops.git\n');
  return { out, catalog };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('render-rgd action', () => {
  test('renders with the image and the staged-prefix map, sets changed/files and writes a summary', async () => {
    const ws = await workspace();
    const staged = JSON.stringify({
      'qwen2-5-7b-instruct': { uri: 's3://models-bucket/models/Qwen/Qwen2.5-7B-Instruct/abc123/', commit: 'abc123', manifestUri: 's3://models-bucket/models/.manifests/Qwen/Qwen2.5-7B-Instruct/abc123.json' },
    });
    const result = await runAction({ catalog: ws.catalog, out: ws.out, image: IMAGE, staged, versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(result.failed).toBe(false);
    expect(result.outputs.changed).toBe('true');
    const files = JSON.parse(result.outputs.files!) as string[];
    expect(files).toContain(join(ws.out, 'platform', 'llm-service.rgd.yaml'));
    expect(files).toHaveLength(12);
    expect(result.summary).toContain('## Render: 12 file(s) changed');
    expect(result.summary).toContain('| `qwen2-5-7b-instruct` | `s3://models-bucket/models/Qwen/Qwen2.5-7B-Instruct/abc123/` | `abc123` |');
    expect(result.summary).toContain('| `llama-3-3-70b-instruct` | not staged yet (no RayService) | — |');
    expect(result.stdout).toContain('::warning::llama-3-3-70b-instruct is not staged yet');
  });

  test('check mode passes on an up-to-date tree and fails listing the stale files', async () => {
    const ws = await workspace();
    await runAction({ catalog: ws.catalog, out: ws.out, image: IMAGE, versions: join(REPO_ROOT, 'docker', 'versions.json') });
    const clean = await runAction({ catalog: ws.catalog, out: ws.out, check: 'true', versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(clean).toMatchObject({ failed: false, outputs: { changed: 'false', files: '[]' } });
    expect(clean.summary).toContain('## Render check: up to date');

    await rm(join(ws.catalog, 'qwen2-5-7b-instruct.yaml'));
    const stale = await runAction({ catalog: ws.catalog, out: ws.out, check: 'true', versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(stale.failed).toBe(true);
    expect(stale.outputs.files).toBe(JSON.stringify([join(ws.out, 'workloads', 'qwen2-5-7b-instruct', 'instance.yaml')]));
    expect(stale.stdout).toMatch(/::error::1 rendered file\(s\) in .* are stale/);
    expect(stale.summary).toContain('| deleted |');
  });

  test('annotates catalog errors and fails without rendering', async () => {
    const ws = await workspace();
    const broken = join(ws.catalog, 'broken.yaml');
    await writeFile(broken, 'name: broken\nsource:\n  huggingface:\n    repo: org/x\nserving:\n  maxModelLen: 8192\n  gpu: { type: L4, count: 3 }\n');
    const result = await runAction({ catalog: ws.catalog, out: ws.out, image: IMAGE, versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(result.failed).toBe(true);
    expect(result.stdout).toMatch(new RegExp(`::error file=${broken},line=7,endLine=7,col=27`));
    expect(result.outputs.changed).toBe('false');
    expect(result.summary).toContain('not rendered');
  });

  test('a mutable image tag fails the step with a message that says what to pass', async () => {
    const ws = await workspace();
    const result = await runAction({ catalog: ws.catalog, out: ws.out, image: 'ray-vllm:latest', versions: join(REPO_ROOT, 'docker', 'versions.json') });
    expect(result.failed).toBe(true);
    expect(result.stdout).toContain("::error::image 'ray-vllm:latest' is not pinned by digest");
  });
});
