import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PlanHub } from '@ray-gitops/testkit/hub';
import { copyRepository, planOptions, QWEN_ON_HUB, QWEN_STAGED, REPO_ROOT, setCommittedImage } from '@ray-gitops/testkit/plan-workspace';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkCatalog } from '../../src/catalog/check-catalog.js';
import type { ModelEntry } from '../../src/catalog/model-entry.js';
import { buildPlan, PLAN_MARKDOWN_LIMIT, planImage, planJson, planMarkdown, planRollout, type PullRequestPlan, rolloutWords } from '../../src/plan/index.js';
import { renderCatalog } from '../../src/render/render.js';
import { sourceIdentity, type StagedRecord } from '../../src/staged/index.js';
import { validEntry } from '../catalog/fixtures.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = '123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm';

/** A catalog entry for another Qwen deployment; `maxModelLen` decides whether it fits one L4. */
function qwenEntry(name: string, maxModelLen: number): string {
  return validEntry(name).replace('maxModelLen: 8192', `maxModelLen: ${maxModelLen}`);
}

describe('the plan of the committed catalog, offline', () => {
  let plan: PullRequestPlan;
  beforeAll(async () => {
    plan = await buildPlan(planOptions(REPO_ROOT, { offline: true }));
  });

  test('is ready to merge and changes no rendered file', () => {
    expect(plan.verdict.ok).toBe(true);
    // an image definition error (docker/ not pinned yet) is a warning: the plan builds nothing
    expect(plan.verdict.level).toBe(plan.image.diagnostics.some((d) => d.severity === 'error') ? 'warnings' : 'ready');
    expect(plan.verdict.headline).toMatch(/^Ready to merge: 3 model\(s\) pass the catalog check(, with warnings: .*)?; at merge: .*no rendered file changes/);
    expect(plan.files).toMatchObject({ status: 'planned', changes: [] });
  });

  test('says per model that fit was not checked, and why', () => {
    expect(plan.catalog.models.map((model) => [model.name, model.fit.status === 'not-checked' && model.fit.reason])).toEqual([
      ['llama-3-3-70b-instruct', 'offline'],
      ['mistral-7b-instruct-v0-3', 'the config is inside the .tar archive; it is read when the archive is staged'],
      ['qwen2-5-7b-instruct', 'offline'],
    ]);
  });

  test('lists every not-yet-staged model with its size unknown', () => {
    expect(plan.staging.map((item) => [item.name, item.reason, item.size])).toEqual([
      ['llama-3-3-70b-instruct', 'not-staged', { status: 'unknown', reason: 'offline' }],
      ['mistral-7b-instruct-v0-3', 'not-staged', { status: 'unknown', reason: 'offline' }],
      ['qwen2-5-7b-instruct', 'not-staged', { status: 'unknown', reason: 'offline' }],
    ]);
  });

  test('says plainly that no image was built yet instead of showing the placeholder digest as an image', () => {
    expect(plan.image.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(plan.image.committedImage).toMatch(/@sha256:0{64}$/);
    expect(plan.image.decision).toBe('build');
    expect(plan.verdict.headline).toContain('at merge: no image built yet, the first one is built, ');
    expect(plan.image.reason).toBe(
      `no image built yet: the committed tree carries the all-zero placeholder digest; the merge builds ${plan.image.tag!} and renders its digest`,
    );
    const markdown = planMarkdown(plan);
    expect(markdown).toMatch(/^\| `ctx-[0-9a-f]{32}` \| `[^`]+` \(\d+ files, [\d.]+ KiB\) \| no image built yet \| \*\*build\*\* \|$/m);
    expect(markdown).not.toContain('0000000000000000');
  });

  test('cannot tell reuse from a real committed image pinned without its content tag', async () => {
    const untagged = await planImage({ contextDir: join(REPO_ROOT, 'docker'), namedContexts: { serve: join(REPO_ROOT, 'serve') }, committedImage: `${REPOSITORY}@${DIGEST}` });
    expect(untagged.decision).toBe('build-if-missing');
  });

  test('renders as a marked comment with the verdict first and "size unknown (offline)"', () => {
    const markdown = planMarkdown(plan);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('<!-- ray-gitops-plan -->');
    expect(lines[3]).toBe(`${plan.verdict.level === 'ready' ? '✅' : '⚠️'} **${plan.verdict.headline}**`);
    expect(markdown).toContain('| `qwen2-5-7b-instruct` | `huggingface:Qwen/Qwen2.5-7B-Instruct@main` | 1× L4 | 8192 | ⚪ fit not checked: offline |');
    expect(markdown).toContain('| `qwen2-5-7b-instruct` | not staged yet | — | size unknown (offline) |');
    expect(markdown).toContain('None: the committed tree already matches the catalog.');
  });

  test('is the same JSON on every run', async () => {
    const again = await buildPlan(planOptions(REPO_ROOT, { offline: true }));
    expect(planJson(again)).toBe(planJson(plan));
    expect(JSON.parse(planJson(plan))).toMatchObject({ verdict: { ok: true }, image: { tag: plan.image.tag } });
  });
});

describe('the plan of a pull request, with the Hub reachable', () => {
  const hub = new PlanHub({ 'Qwen/Qwen2.5-7B-Instruct': QWEN_ON_HUB, 'meta-llama/Llama-3.3-70B-Instruct': { ...QWEN_ON_HUB, gated: true } });
  let root: string;
  beforeAll(async () => {
    await hub.start();
    root = await copyRepository();
    // the Mistral archive lives on a CDN a test cannot reach; the Hub models are served locally
    await rm(join(root, 'gitops', 'models', 'mistral-7b-instruct-v0-3.yaml'));
    await writeFile(join(root, 'gitops', 'models', 'qwen-extra.yaml'), qwenEntry('qwen-extra', 4096));
  });
  afterAll(async () => {
    await hub.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('fits the Hub models, lists the new one to stage with its size, and the files that change', async () => {
    const plan = await buildPlan(planOptions(root, { hub: { endpoint: hub.endpoint } }));

    expect(plan.verdict.ok).toBe(true);
    const fit = Object.fromEntries(plan.catalog.models.map((model) => [model.name, model.fit]));
    expect(fit['qwen-extra']).toMatchObject({ status: 'fits' });
    expect(fit['qwen2-5-7b-instruct']).toMatchObject({ status: 'fits' });
    expect(fit['llama-3-3-70b-instruct']).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('gated') });

    const staging = Object.fromEntries(plan.staging.map((item) => [item.name, item]));
    expect(staging['qwen-extra']).toEqual({
      name: 'qwen-extra',
      source: 'huggingface:Qwen/Qwen2.5-7B-Instruct@main',
      reason: 'new',
      size: { status: 'known', ...QWEN_STAGED, commit: QWEN_ON_HUB.commit },
    });
    expect(staging['llama-3-3-70b-instruct']!.size).toMatchObject({ status: 'unknown', reason: expect.stringContaining('gated') });

    expect(plan.files.status === 'planned' && plan.files.changes).toEqual([
      { path: 'workloads/mistral-7b-instruct-v0-3/instance.yaml', kind: 'deleted' },
      { path: 'workloads/qwen-extra/instance.yaml', kind: 'added' },
    ]);

    const markdown = planMarkdown(plan);
    expect(markdown).toContain('| `qwen-extra` | new model | 11 | 14.2 GiB |');
    expect(markdown).toContain('| `workloads/qwen-extra/instance.yaml` | added |');
    expect(markdown).toMatch(/\| `qwen-extra` \| .* \| ✅ fits: \d+ sequence\(s\) of 4096 tokens at once; weights [\d.]+ GiB per GPU \|/);
  });

  test('is not ready when an added model does not fit, and says what would', async () => {
    await writeFile(join(root, 'gitops', 'models', 'qwen-long.yaml'), qwenEntry('qwen-long', 131072));
    try {
      const plan = await buildPlan(planOptions(root, { hub: { endpoint: hub.endpoint } }));
      expect(plan.verdict.ok).toBe(false);
      expect(plan.verdict.headline).toMatch(/^Not ready: 1 model\(s\) do not fit their GPUs; /);
      const long = plan.catalog.models.find((model) => model.name === 'qwen-long')!;
      expect(long.fit).toMatchObject({ status: 'does-not-fit', summary: expect.stringMatching(/does not fit on 1× L4 at 131072 tokens: .*lower serving.maxModelLen to \d+/) });
      expect(planMarkdown(plan)).toMatch(/^❌ \*\*Not ready/m);
    } finally {
      await rm(join(root, 'gitops', 'models', 'qwen-long.yaml'));
    }
  });
});

describe('the plan when the Hub is unreachable', () => {
  test('says per model that fit and size were not checked, and why, instead of failing', async () => {
    const closed = new PlanHub({});
    await closed.start();
    await closed.stop();
    const root = await copyRepository();
    // the Mistral archive's CDN is another host; this test is about the Hub
    await rm(join(root, 'gitops', 'models', 'mistral-7b-instruct-v0-3.yaml'));
    const plan = await buildPlan(planOptions(root, { hub: { endpoint: closed.endpoint } })).finally(() => rm(root, { recursive: true, force: true }));

    expect(plan.verdict.ok).toBe(true);
    const qwen = plan.catalog.models.find((model) => model.name === 'qwen2-5-7b-instruct')!;
    expect(qwen.fit).toMatchObject({ status: 'not-checked', reason: expect.stringContaining(`cannot reach the Hugging Face Hub at ${closed.endpoint}`) });
    const staged = plan.staging.find((item) => item.name === 'qwen2-5-7b-instruct')!;
    expect(staged.size).toEqual({ status: 'unknown', reason: `cannot reach the Hugging Face Hub at ${closed.endpoint} (ECONNREFUSED)` });
    expect(planMarkdown(plan)).toContain(`size unknown: cannot reach the Hugging Face Hub at ${closed.endpoint} (ECONNREFUSED)`);
  });
});

describe('a catalog with an error', () => {
  test('is not ready, names the file and line, and plans no files', async () => {
    const root = await copyRepository();
    try {
      await writeFile(join(root, 'gitops', 'models', 'broken.yaml'), 'name: broken\nsource:\n  huggingface:\n    repo: Qwen/Qwen2.5-7B-Instruct\nserving:\n  maxModelLen: 8192\n  gpu: { type: L5, count: 1 }\n');
      const plan = await buildPlan(planOptions(root, { offline: true }));
      expect(plan.verdict.ok).toBe(false);
      expect(plan.verdict.headline).toMatch(/^Not ready: 1 catalog error\(s\)/);
      expect(plan.files).toMatchObject({ status: 'not-planned', reason: 'the catalog has errors, so nothing can be rendered' });
      const markdown = planMarkdown(plan);
      expect(markdown).toMatch(/\| `[^`]*broken\.yaml:7:\d+` \| ❌ .*L5/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('the image at merge', () => {
  let root: string;
  beforeAll(async () => {
    root = await copyRepository();
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  test('is reused when the committed render runs the content tag of docker/, and rebuilt after docker/ changes', async () => {
    const before = await buildPlan(planOptions(root, { offline: true }));
    const tag = before.image.tag!;
    await setCommittedImage(root, `${REPOSITORY}:${tag}@${DIGEST}`);

    const reused = await buildPlan(planOptions(root, { offline: true }));
    expect(reused.image).toMatchObject({ decision: 'reuse', tag, committedImage: `${REPOSITORY}:${tag}@${DIGEST}` });
    expect(reused.files).toMatchObject({ status: 'planned', changes: [] });
    expect(planMarkdown(reused)).toContain(`| \`${tag}\` |`);

    await appendFile(join(root, 'docker', 'Dockerfile'), '\n# a change in the image definition\n');
    const rebuilt = await buildPlan(planOptions(root, { offline: true }));
    expect(rebuilt.image.decision).toBe('build');
    expect(rebuilt.image.tag).not.toBe(tag);
    expect(rebuilt.image.reason).toContain(`the committed render runs ${tag}; the merge builds ${rebuilt.image.tag}`);
    expect(rebuilt.verdict.headline).toContain('image rebuilt');
    expect(planMarkdown(rebuilt)).toContain('also changes to its digest');
  });
});

describe('the rollout at merge', () => {
  const roots: string[] = [];
  afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

  /** A copy of the repository whose three catalog models are staged and run the image docker/ builds today. */
  async function runningCopy(): Promise<string> {
    const root = await copyRepository();
    roots.push(root);
    const bucket = 's3://models-bucket/models';
    const { entries } = await checkCatalog(join(root, 'gitops', 'models'));
    const staged: StagedRecord[] = entries.map(({ entry }, index) => {
      const commit = String(index + 1).repeat(40);
      return {
        model: entry.name,
        uri: `${bucket}/${entry.name}/${commit}/`,
        commit,
        manifestUri: `${bucket}/.manifests/${entry.name}/${commit}.json`,
        source: sourceIdentity(entry.source),
        ...(entry.name.startsWith('mistral') ? { format: 'mistral' as const } : {}),
      };
    });
    const out = join(root, 'gitops');
    const render = await renderCatalog({ catalogDir: join(out, 'models'), outDir: out, versionsFile: join(root, 'docker', 'versions.json'), staged });
    expect(render.ok).toBe(true);
    const before = await buildPlan(planOptions(root, { offline: true }));
    await setCommittedImage(root, `${REPOSITORY}:${before.image.tag!}@${DIGEST}`);
    return root;
  }

  test('a PR that changes docker/ says per running model "restarts: yes, peak extra GPUs: N" (min replicas × GPUs per replica)', async () => {
    const root = await runningCopy();
    const unchanged = await buildPlan(planOptions(root, { offline: true }));
    expect(unchanged.catalog.models.map((model) => model.rollout?.restarts)).toEqual([false, false, false]);

    await appendFile(join(root, 'docker', 'Dockerfile'), '\n# a change in the image definition\n');
    const plan = await buildPlan(planOptions(root, { offline: true }));
    expect(plan.image.decision).toBe('build');
    const markdown = planMarkdown(plan);
    // the 8×H100 Llama: a second cluster of one 8-GPU replica before the switch
    expect(markdown).toMatch(/\| `llama-3-3-70b-instruct` \|.*\| restarts: yes, peak extra GPUs: 8 \(/);
    expect(markdown).toMatch(/\| `mistral-7b-instruct-v0-3` \|.*\| restarts: yes, peak extra GPUs: 1 \(/);
    expect(markdown).toMatch(/\| `qwen2-5-7b-instruct` \|.*\| restarts: yes, peak extra GPUs: 1 \(/);
  });

  test('a PR that changes a running model\'s GPUs starts a new cluster; one that changes its max model length restarts it in place', async () => {
    const root = await runningCopy();
    const qwen = join(root, 'gitops', 'models', 'qwen2-5-7b-instruct.yaml');
    const mistral = join(root, 'gitops', 'models', 'mistral-7b-instruct-v0-3.yaml');
    await writeFile(qwen, (await readFile(qwen, 'utf8')).replace('gpu: { type: L4, count: 1 }', 'gpu: { type: L4, count: 2 }'));
    await writeFile(mistral, (await readFile(mistral, 'utf8')).replace(/maxModelLen: \d+/, 'maxModelLen: 4096'));
    const plan = await buildPlan(planOptions(root, { offline: true }));
    const words = Object.fromEntries(plan.catalog.models.map((model) => [model.name, rolloutWords(model.rollout!)]));
    expect(words).toEqual({
      'llama-3-3-70b-instruct': 'restarts: no, peak extra GPUs: 0',
      'mistral-7b-instruct-v0-3': 'restarts: yes, peak extra GPUs: 0',
      'qwen2-5-7b-instruct': 'restarts: yes, peak extra GPUs: 2',
    });
  });

  test('incremental and none upgrades, new weights and a model not running yet', () => {
    const llama = (upgrade: 'new-cluster' | 'incremental' | 'none', replicas = { min: 2, max: 4 }): ModelEntry => ({
      name: 'llama',
      source: { kind: 'huggingface', repo: 'meta-llama/Llama-3.3-70B-Instruct', revision: 'main' },
      serving: { maxModelLen: 8192, gpu: { type: 'H100', count: 8 }, replicas, storage: 'stream', upgrade, engineArgs: {} },
    });
    const newImage = { running: true, imageChanges: true, restaged: false };
    expect(rolloutWords(planRollout(llama('new-cluster'), newImage))).toBe('restarts: yes, peak extra GPUs: 16');
    // 25% of 4 replicas ahead at most: one 8-GPU replica
    expect(rolloutWords(planRollout(llama('incremental'), newImage))).toBe('restarts: yes, peak extra GPUs: 8');
    expect(rolloutWords(planRollout(llama('none'), newImage))).toBe('restarts: no, peak extra GPUs: 0');
    expect(rolloutWords(planRollout(llama('new-cluster'), { running: true, imageChanges: false, restaged: true }))).toBe('restarts: yes, peak extra GPUs: 0');
    expect(rolloutWords(planRollout(llama('new-cluster'), { running: false, imageChanges: true, restaged: true }))).toBe('restarts: no, peak extra GPUs: 0');
  });
});

describe('planMarkdown', () => {
  const base: PullRequestPlan = {
    verdict: { level: 'blocked', ok: false, headline: 'Not ready: 1 catalog error(s)' },
    offline: false,
    catalog: { dir: 'gitops/models', files: 1, models: [], diagnostics: [] },
    image: { contextDir: 'docker', decision: 'unknown', reason: 'no docker/', diagnostics: [] },
    staging: [],
    files: { status: 'planned', outDir: 'gitops', changes: [], unchanged: 0 },
  };

  test('cuts long lists with "… and N more"', () => {
    const changes = Array.from({ length: 300 }, (_, i) => ({ path: `workloads/m${String(i).padStart(3, '0')}/instance.yaml`, kind: 'added' as const }));
    const markdown = planMarkdown({ ...base, files: { status: 'planned', outDir: 'gitops', changes, unchanged: 0 } });
    expect(markdown).toContain('| `workloads/m099/instance.yaml` | added |');
    expect(markdown).not.toContain('m100');
    expect(markdown).toContain('| … and 200 more |  |');
  });

  test('stays under the comment limit however long the findings are', () => {
    const diagnostics = Array.from({ length: 40 }, (_, i) => ({
      severity: 'error' as const,
      code: 'catalog/x',
      message: `problem ${i} ${'x'.repeat(3_000)}`,
      location: { file: `gitops/models/${'m'.repeat(150)}${i}.yaml`, line: 1, column: 1 },
    }));
    const models = Array.from({ length: 200 }, (_, i) => ({
      name: `model-${i}-${'n'.repeat(300)}`,
      file: 'f.yaml',
      source: `url:https://example.com/${'p'.repeat(190)}`,
      gpu: { type: 'L4', count: 1 },
      maxModelLen: 8192,
      fit: { status: 'not-checked' as const, reason: 'r'.repeat(2_000) },
    }));
    const markdown = planMarkdown({ ...base, catalog: { dir: 'gitops/models', files: 240, models, diagnostics } });
    expect(markdown.length).toBeLessThanOrEqual(PLAN_MARKDOWN_LIMIT + 200);
    expect(markdown.length).toBeLessThan(65_536);
    expect(markdown.startsWith('<!-- ray-gitops-plan -->\n')).toBe(true);
    expect(markdown.endsWith('characters longer than a comment allows; run `ray-gitops plan` for all of it.\n')).toBe(true);
  });

  test('escapes text from the pull request so it cannot break the table or hide HTML', () => {
    const diagnostics = [{ severity: 'error' as const, code: 'catalog/x', message: 'bad | value <!-- ray-gitops-plan --> <img src=x>', location: { file: 'gitops/models/a.yaml', line: 2, column: 3 } }];
    const markdown = planMarkdown({ ...base, catalog: { ...base.catalog, diagnostics } });
    expect(markdown).toContain('| `gitops/models/a.yaml:2:3` | ❌ bad \\| value &lt;!-- ray-gitops-plan --&gt; &lt;img src=x&gt; |');
    expect(markdown.split('<!-- ray-gitops-plan -->')).toHaveLength(2);
  });
});

describe('a model staged in the cluster', () => {
  test('is listed to stage, "staged in-cluster by N pods", not as the runner\'s copy', async () => {
    const root = await copyRepository();
    try {
      const entry = `${qwenEntry('qwen-in-cluster', 8192)}staging: { where: cluster, shards: 4 }\n`;
      await writeFile(join(root, 'gitops', 'models', 'qwen-in-cluster.yaml'), entry);
      const plan = await buildPlan(planOptions(root, { offline: true }));
      expect(plan.staging.find((item) => item.name === 'qwen-in-cluster')).toMatchObject({ reason: 'new', inClusterShards: 4 });
      expect(planMarkdown(plan)).toMatch(/\| `qwen-in-cluster` \| new model; staged in-cluster by 4 pods, no image built yet for the stager \(the merge builds it\) \|/);
      expect(planMarkdown(plan)).not.toMatch(/`qwen2-5-7b-instruct` \|[^|]*in-cluster/);

      // once a deploy rendered a stager image into the tree, the plan names it
      const stager = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager@sha256:${'cd'.repeat(32)}`;
      const gitops = join(root, 'gitops');
      await renderCatalog({ catalogDir: join(gitops, 'models'), outDir: gitops, versionsFile: join(root, 'docker', 'versions.json'), stagerImage: stager });
      const built = await buildPlan(planOptions(root, { offline: true }));
      expect(built.staging.find((item) => item.name === 'qwen-in-cluster')).toMatchObject({ inClusterShards: 4, stagerImage: stager });
      expect(planMarkdown(built)).toContain(`| \`qwen-in-cluster\` | not staged yet; staged in-cluster by 4 pods, stager image \`${stager}\` |`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('the verdict', () => {
  /** The committed repository with docker/versions.json's base image set to `baseImage`. */
  async function withBaseImage(baseImage: string): Promise<PullRequestPlan> {
    const root = await copyRepository();
    try {
      const file = join(root, 'docker', 'versions.json');
      const versions = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
      await writeFile(file, `${JSON.stringify({ ...versions, baseImage }, null, 2)}\n`);
      return await buildPlan(planOptions(root, { offline: true }));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  test('is a warning, never ✅ above ❌, when build-image would refuse to build; ✅ ready once the image definition is clean', async () => {
    const unpinned = await withBaseImage('rayproject/ray-llm:2.52.0-py311-cu128');
    expect(unpinned.verdict).toMatchObject({ level: 'warnings', ok: true });
    expect(unpinned.verdict.headline).toMatch(/^Ready to merge: 3 model\(s\) pass the catalog check, with warnings: build-image will refuse to build until 1 image definition error\(s\) are fixed; at merge: /);
    const markdown = planMarkdown(unpinned);
    expect(markdown.split('\n')[3]).toMatch(/^⚠️ \*\*Ready to merge/);
    expect(markdown).not.toContain('✅ **');

    const pinned = await withBaseImage(`rayproject/ray-llm:2.52.0-py311-cu128@sha256:${'a'.repeat(64)}`);
    expect(pinned.verdict).toMatchObject({ level: 'ready', ok: true });
    expect(planMarkdown(pinned).split('\n')[3]).toMatch(/^✅ \*\*Ready to merge: 3 model\(s\) pass the catalog check; at merge: /);
  });
});
