import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkFile, entryWithServing } from './fixtures.js';
import { ENGINE_ARGS_VLLM_VERSION, OUTSIDE_ENGINE_ARGS, VLLM_ENGINE_ARGS } from '../../src/catalog/index.js';
import { buildPlan, planMarkdown } from '../../src/plan/index.js';
import { engineArgsJson, renderCatalog } from '../../src/render/index.js';
import { copyRepository, planOptions, REPO_ROOT } from '../plan/workspace.js';

const GPU = ['  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }'];

describe('serving.engineArgs keys against vLLM\'s engine arguments', () => {
  test('the table is for the vLLM version the image pins in docker/versions.json', async () => {
    const versions = JSON.parse(await readFile(join(REPO_ROOT, 'docker', 'versions.json'), 'utf8')) as { vllm: string };
    expect(ENGINE_ARGS_VLLM_VERSION).toBe(versions.vllm);
    for (const key of Object.keys(OUTSIDE_ENGINE_ARGS)) expect(VLLM_ENGINE_ARGS, key).toContain(key);
  });

  test('an unknown key is an error at the key, with the argument that was meant', async () => {
    const { file, lines } = await checkFile('qwen.yaml', entryWithServing('qwen', ...GPU, '  engineArgs:', '    enable-prefix-cache: true', '    no-such-flag: 1'));
    expect(lines).toEqual([
      `${file}:8:5: serving.engineArgs key 'enable-prefix-cache' is not an engine argument of vLLM 0.11.0 (the image's version); did you mean 'enable-prefix-caching'?`,
      `${file}:9:5: serving.engineArgs key 'no-such-flag' is not an engine argument of vLLM 0.11.0 (the image's version); see vLLM's engine arguments for that version`,
    ]);
  });

  test('known, harmless keys pass', async () => {
    const { lines, result } = await checkFile('qwen.yaml', entryWithServing('qwen', ...GPU, '  engineArgs:', '    enable-prefix-caching: true', '    gpu-memory-utilization: 0.85'));
    expect(lines).toEqual([]);
    expect(result.entry!.serving.trustRemoteCode).toBeUndefined();
  });

  test.each([
    ['tokenizer', 'evil-org/tokenizer', 'fetches from elsewhere'],
    ['revision', 'attacker-branch', 'fetches from elsewhere'],
    ['otlp-traces-endpoint', 'https://collector.example.com', 'sends data out'],
    ['worker-extension-cls', 'evil.module.Worker', 'loads Python code by name'],
    ['download-dir', '/tmp/x', 'fetches from elsewhere'],
  ])('%s is refused unless serving.allowEngineArgs names it', async (key, value, reach) => {
    const refused = await checkFile('qwen.yaml', entryWithServing('qwen', ...GPU, '  engineArgs:', `    ${key}: ${value}`));
    expect(refused.codes).toEqual(['catalog/engine-arg-outside']);
    expect(refused.lines[0]).toContain(`serving.engineArgs key '${key}' ${reach} beyond the staged weights and the image`);
    const allowed = await checkFile('qwen.yaml', entryWithServing('qwen', ...GPU, `  allowEngineArgs: [${key}]`, '  engineArgs:', `    ${key}: ${value}`));
    expect(allowed.lines).toEqual([]);
    expect(allowed.result.entry!.serving.outsideEngineArgs).toEqual([key]);
  });

  test('trust-remote-code only through serving.trustRemoteCode, and a token never', async () => {
    const inArgs = await checkFile('qwen.yaml', entryWithServing('qwen', ...GPU, '  engineArgs:', '    trust-remote-code: true', '    hf-token: hf_abc'));
    expect(inArgs.codes).toEqual(['catalog/engine-arg-outside', 'catalog/engine-arg-secret']);
    expect(inArgs.lines[0]).toContain('set serving.trustRemoteCode: true');
    const allowList = await checkFile('qwen.yaml', entryWithServing('qwen', ...GPU, '  allowEngineArgs: [trust-remote-code, enable-prefix-caching]'));
    expect(allowList.codes).toEqual(['catalog/engine-arg-allow', 'catalog/engine-arg-allow']);
    const field = await checkFile('qwen.yaml', entryWithServing('qwen', ...GPU, '  trustRemoteCode: true'));
    expect(field.lines).toEqual([]);
    expect(field.result.entry!.serving.trustRemoteCode).toBe(true);
  });

  test('the render passes trust_remote_code only from the field', () => {
    expect(JSON.parse(engineArgsJson({ 'enable-prefix-caching': true }, { format: 'safetensors' }, { trustRemoteCode: true }))).toEqual({
      enable_prefix_caching: true,
      trust_remote_code: true,
    });
    expect(JSON.parse(engineArgsJson({}, { format: 'safetensors' }))).toEqual({});
  });

  test('the pull-request plan flags trust-remote-code and every allowed key, first', async () => {
    const root = await copyRepository();
    try {
      await writeFile(
        join(root, 'gitops', 'models', 'remote-code.yaml'),
        entryWithServing('remote-code', ...GPU, '  trustRemoteCode: true', '  allowEngineArgs: [otlp-traces-endpoint]', '  engineArgs:', '    otlp-traces-endpoint: https://otel.example.com'),
      );
      const plan = await buildPlan(planOptions(root, { offline: true }));
      expect(plan.catalog.models.find((model) => model.name === 'remote-code')!.outside).toEqual([
        { key: 'trust-remote-code', reach: 'runs code from the model repository' },
        { key: 'otlp-traces-endpoint', reach: 'sends data out' },
      ]);
      const markdown = planMarkdown(plan);
      expect(markdown).toContain('### ⚠️ Reaches outside the image and the staged weights');
      expect(markdown).toContain('| `remote-code` | **`trust-remote-code`** | runs code from the model repository |');
      expect(markdown).toContain('| `remote-code` | **`otlp-traces-endpoint`** | sends data out |');
      expect(markdown.indexOf('Reaches outside')).toBeLessThan(markdown.indexOf('### Models'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('a render for another vLLM than the table', () => {
  test('warns that engineArgs were checked against the table\'s version', async () => {
    const root = await copyRepository();
    try {
      const versions = join(root, 'docker', 'versions.json');
      const data = JSON.parse(await readFile(versions, 'utf8')) as Record<string, string>;
      await writeFile(versions, JSON.stringify({ ...data, vllm: '0.12.0' }));
      const warnings: string[] = [];
      const reporter = {
        info: () => undefined,
        warning: (message: string) => warnings.push(message),
        error: () => undefined,
        group: <T>(_title: string, work: () => Promise<T>) => work(),
        secret: () => undefined,
      };
      await renderCatalog({ catalogDir: join(root, 'gitops', 'models'), outDir: join(root, 'gitops'), versionsFile: versions, check: true, reporter });
      expect(warnings).toContain(
        'the image runs vLLM 0.12.0, but serving.engineArgs are checked against the engine arguments of vLLM 0.11.0; ' +
          'a key that version lacks passes the check and fails at startup (the table is packages/core/src/catalog/vllm-engine-args.ts)',
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
