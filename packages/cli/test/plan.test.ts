import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { PlanHub } from '../../core/test/plan/hub.js';
import { copyRepository, QWEN_ON_HUB } from '../../core/test/plan/workspace.js';

/** The flags that point `plan` at a copy of the repository. */
function at(root: string): string[] {
  return ['--catalog', join(root, 'gitops', 'models'), '--out', join(root, 'gitops'), '--context', join(root, 'docker'), '--named-context', `serve=${join(root, 'serve')}`];
}

describe('ray-gitops plan', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'ray-gitops-plan-cli-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  test('prints the markdown plan of the committed catalog and exits 0', async () => {
    const run = await runCli('plan', '--offline');
    expect(run.code).toBe(0);
    // ⚠️ while docker/ has an image definition error (the base image is not pinned yet), ✅ once it has none
    expect(run.stdout).toMatch(/^<!-- ray-gitops-plan -->\n## ray-gitops plan\n\n(✅|⚠️) \*\*Ready to merge: 3 model\(s\)/);
    expect(run.stdout).toContain('size unknown (offline)');
    expect(run.stderr).toMatch(/plan, (ready|warnings): Ready to merge/);
  });

  test('writes JSON to --output and nothing to stdout', async () => {
    const file = join(scratch, 'plan.json');
    const run = await runCli('plan', '--offline', '--format', 'json', '--output', file);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toContain(`written to ${file}`);
    const plan = JSON.parse(await readFile(file, 'utf8')) as { verdict: { ok: boolean }; catalog: { models: unknown[] }; image: { tag: string } };
    expect(plan.verdict.ok).toBe(true);
    expect(plan.catalog.models).toHaveLength(3);
    expect(plan.image.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
  });

  test('an unknown --format is a usage error', async () => {
    const run = await runCli('plan', '--format', 'yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--format must be markdown or json, not 'yaml'");
  });

  test('a catalog error exits 1 and still writes the plan, showing why', async () => {
    const root = await copyRepository();
    try {
      await writeFile(join(root, 'gitops', 'models', 'broken.yaml'), 'name: Broken_Name\n');
      const file = join(scratch, 'broken.md');
      const run = await runCli('plan', ...at(root), '--offline', '--output', file);
      expect(run.code).toBe(1);
      const markdown = await readFile(file, 'utf8');
      expect(markdown).toMatch(/^❌ \*\*Not ready: \d+ catalog error\(s\)/m);
      expect(markdown).toContain('broken.yaml:');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  describe('with the Hub reachable', () => {
    const hub = new PlanHub({ 'Qwen/Qwen2.5-7B-Instruct': QWEN_ON_HUB, 'meta-llama/Llama-3.3-70B-Instruct': { ...QWEN_ON_HUB, gated: true } });
    const saved = process.env.HF_ENDPOINT;
    let root: string;
    beforeAll(async () => {
      await hub.start();
      process.env.HF_ENDPOINT = hub.endpoint;
      root = await copyRepository();
      await rm(join(root, 'gitops', 'models', 'mistral-7b-instruct-v0-3.yaml'));
    });
    afterAll(async () => {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
      await hub.stop();
      await rm(root, { recursive: true, force: true });
    });

    test('a model that does not fit exits 1 with the fix in the plan', async () => {
      await writeFile(
        join(root, 'gitops', 'models', 'qwen-long.yaml'),
        'name: qwen-long\nsource:\n  huggingface:\n    repo: Qwen/Qwen2.5-7B-Instruct\nserving:\n  maxModelLen: 131072\n  gpu: { type: L4, count: 1 }\n',
      );
      const run = await runCli('plan', ...at(root));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^❌ \*\*Not ready: 1 model\(s\) do not fit their GPUs/m);
      expect(run.stdout).toMatch(/\| `qwen-long` \| .* \| ❌ does not fit on 1× L4 at 131072 tokens: .*lower serving\.maxModelLen to \d+ \|/);
      expect(run.stdout).toContain('| `qwen-long` | new model | 11 | 14.2 GiB |');
      expect(run.stdout).toMatch(/\| `llama-3-3-70b-instruct` \| .* \| ⚪ fit not checked: .*gated/);
    });
  });
});
