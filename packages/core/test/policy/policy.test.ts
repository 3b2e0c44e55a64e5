import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GITOPS_CHECKS } from '../../src/gitops-checks/index.js';
import { kuberayCheck } from '../../src/kuberay/index.js';
import { policyCheck, POLICY_RULES } from '../../src/policy/index.js';
import type { ResourceCheck } from '../../src/validate/index.js';
import { CRDS, REFERENCE, run } from '../validate/helpers.js';

const LLM_SERVE = `${REFERENCE}kuberay/ray-service.llm-serve.yaml`;
const RGD = fileURLToRepo('gitops/platform/llm-service.rgd.yaml');
const APPMOD_RGD = `${REFERENCE}appmod-blueprints/kro-rgd.ray-service.yaml`;

function fileURLToRepo(path: string): string {
  return new URL(`../../../../${path}`, import.meta.url).pathname;
}

/** Writes `text` to a fresh temp file and returns its path. */
function write(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `text` with `from` replaced once (the test fails if `from` is not there: the fixture changed). */
function corrupt(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

/** Line (1-based) of the first line of `text` that contains `needle`, after `after`. */
function lineOf(text: string, needle: string, after = 0): number {
  const lines = text.split('\n');
  const index = lines.findIndex((line, i) => i >= after && line.includes(needle));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

async function findings(file: string, options: { checks?: readonly ResourceCheck[]; disabledRules?: string[] } = {}) {
  const disabled = options.disabledRules ? { disabledRules: options.disabledRules } : {};
  const result = await run([file], { crds: [CRDS], checks: options.checks ?? [policyCheck()], ...disabled });
  return {
    ...result,
    policy: result.results.flatMap((r) => r.diagnostics).filter((d) => d.code.startsWith('policy/')),
  };
}

const original = readFileSync(LLM_SERVE, 'utf8');
/** the reference sample pinned by digest, so only the corruption under test is reported */
const pinned = original.replaceAll('rayproject/ray-llm:2.52.0-py311-cu128', `rayproject/ray-llm@sha256:${'a'.repeat(64)}`);

describe('GPU-workload policy on real manifests', () => {
  test('every rule has a stable policy/ id and a description', () => {
    for (const rule of POLICY_RULES) {
      expect(rule.id).toMatch(/^policy\/[a-z0-9-]+$/);
      expect(rule.description.length).toBeGreaterThan(10);
    }
    expect(new Set(POLICY_RULES.map((r) => r.id)).size).toBe(POLICY_RULES.length);
  });

  test('the KubeRay LLM sample pinned by digest passes the policy', async () => {
    const { policy } = await findings(write('ok.yaml', pinned));
    expect(policy).toEqual([]);
  });

  test('the rendered LLMService RGD of this repository passes the policy, templates included', async () => {
    const { policy } = await findings(RGD);
    expect(policy).toEqual([]);
  });

  test('an integer rayStartParams value in a worker group is policy/ray-start-params-string at its line', async () => {
    const text = corrupt(pinned, 'num-gpus: "4"', 'num-gpus: 4');
    const file = write('int-params.yaml', text);
    const { policy } = await findings(file);
    const finding = policy.find((d) => d.code === 'policy/ray-start-params-string');
    expect(finding?.location).toMatchObject({ file, line: lineOf(text, 'num-gpus: 4') });
    expect(finding?.message).toContain('rayStartParams.num-gpus is number 4; quote it ("4")');
  });

  test('a GPU request without a GPU limit is policy/gpu-limits at the request', async () => {
    const text = corrupt(pinned, '                memory: "32Gi"\n                nvidia.com/gpu: "4"\n              requests:', '                memory: "32Gi"\n              requests:');
    const file = write('no-gpu-limit.yaml', text);
    const { policy } = await findings(file);
    expect(policy).toHaveLength(1);
    expect(policy[0]).toMatchObject({ code: 'policy/gpu-limits', location: { file, line: lineOf(text, 'nvidia.com/gpu: "4"') } });
    expect(policy[0]!.message).toContain('add resources.limits["nvidia.com/gpu"]');
  });

  test('a worker group that asks for GPUs (num-gpus) with no GPU limit anywhere is policy/gpu-limits', async () => {
    const text = pinned.replaceAll('                nvidia.com/gpu: "4"\n', '');
    const { policy } = await findings(write('no-gpu.yaml', text));
    expect(policy.map((d) => d.code)).toEqual(['policy/gpu-limits']);
    expect(policy[0]!.message).toContain('scheduled for GPUs');
  });

  test(':latest and untagged images are policy/image-digest at the image line, head and worker', async () => {
    const text = corrupt(pinned, `image: rayproject/ray-llm@sha256:${'a'.repeat(64)}`, 'image: rayproject/ray-llm:latest');
    const file = write('latest.yaml', text);
    const { policy } = await findings(file);
    expect(policy).toHaveLength(1);
    expect(policy[0]).toMatchObject({ code: 'policy/image-digest', location: { file, line: lineOf(text, 'ray-llm:latest'), column: 20 } });
    expect(policy[0]!.message).toContain('uses the moving tag :latest; pin it by digest (rayproject/ray-llm@sha256:<digest>)');
    const untagged = await findings(write('untagged.yaml', text.replace('rayproject/ray-llm:latest', 'rayproject/ray-llm')));
    expect(untagged.policy[0]!.message).toContain('has no tag or digest');
  });

  test('a hostPath volume in a RayService worker template is policy/host-path', async () => {
    const text = corrupt(pinned, '          containers:\n          - name: ray-worker', '          volumes:\n          - name: cache\n            hostPath:\n              path: /var/cache/models\n          containers:\n          - name: ray-worker');
    const file = write('hostpath.yaml', text);
    const { policy } = await findings(file);
    expect(policy).toHaveLength(1);
    expect(policy[0]).toMatchObject({ code: 'policy/host-path', location: { file, line: lineOf(text, 'hostPath:') } });
  });

  test('an HF token written into env is policy/secret-literal at the value', async () => {
    const token = `hf_${'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'}`;
    const text = corrupt(pinned, '              valueFrom:\n                secretKeyRef:\n                  name: hf-token\n                  key: hf_token', `              value: ${token}`);
    const file = write('token.yaml', text);
    const { policy } = await findings(file);
    expect(policy).toHaveLength(1);
    expect(policy[0]).toMatchObject({ code: 'policy/secret-literal', location: { file, line: lineOf(text, token), column: 22 } });
    expect(policy[0]!.message).toContain('a Hugging Face token');
    expect(policy[0]!.message).toContain('valueFrom.secretKeyRef');
    expect(policy[0]!.message).not.toContain(token);
  });

  test('privileged and writable model mounts are policy findings; min > max replicas, long names and headService names are KubeRay\'s own rules', async () => {
    let text = corrupt(pinned, 'name: ray-serve-llm', `name: ${'x'.repeat(48)}`);
    text = corrupt(text, '      minReplicas: 1\n      maxReplicas: 1', '      minReplicas: 3\n      maxReplicas: 1');
    text = corrupt(text, '          - name: ray-worker\n', '          - name: ray-worker\n            securityContext:\n              privileged: true\n            volumeMounts:\n            - name: models\n              mountPath: /mnt/models\n');
    text = corrupt(text, '    headGroupSpec:\n', '    headGroupSpec:\n      headService:\n        metadata:\n          name: my-head\n');
    const file = write('many.yaml', text);
    const { policy, results } = await findings(file, { checks: [policyCheck(), kuberayCheck()] });
    const all = results.flatMap((r) => r.diagnostics);
    const at = (code: string) => all.filter((d) => d.code === code).map((d) => d.location.line);
    expect(at('kuberay/name-length')).toEqual([lineOf(text, 'x'.repeat(48))]);
    expect(at('kuberay/worker-min-above-max')).toEqual([lineOf(text, 'minReplicas: 3')]);
    expect(at('policy/privileged')).toEqual([lineOf(text, 'privileged: true')]);
    expect(at('policy/model-volume-read-only')).toEqual([lineOf(text, '- name: models')]);
    expect(at('kuberay/head-service-name')).toEqual([lineOf(text, 'name: my-head')]);
    expect(policy.map((d) => d.code).filter((code) => code.startsWith('policy/kuberay'))).toEqual([]);
  });

  test('inside an RGD template: an int rayStartParams and a :latest image are located in the RGD file', async () => {
    const source = readFileSync(RGD, 'utf8');
    let text = corrupt(source, 'rayStartParams: {}', 'rayStartParams:\n                  num-gpus: 1');
    const image = /^ +image: (\S+@sha256:0+)$/m.exec(text)![1]!;
    text = corrupt(text, ` image: ${image}`, ' image: rayproject/ray:latest');
    const file = write('rgd.yaml', text);
    const { policy } = await findings(file);
    expect(policy.map((d) => [d.code, d.location.line])).toEqual([
      ['policy/image-digest', lineOf(text, 'rayproject/ray:latest')],
      ['policy/ray-start-params-string', lineOf(text, 'num-gpus: 1')],
    ]);
  });

  test('the appmod RGD: alpine:latest and a writable S3 model mount inside its templates', async () => {
    const { policy } = await findings(APPMOD_RGD);
    expect(policy.map((d) => d.code).sort()).toEqual(['policy/image-digest', 'policy/model-volume-read-only']);
  });
});

describe('switching rules off', () => {
  const latest = pinned.replace(`image: rayproject/ray-llm@sha256:${'a'.repeat(64)}`, 'image: rayproject/ray-llm:latest');

  test('globally with disabledRules (--disable-rule), by id, short name or the whole policy prefix', async () => {
    const file = write('latest.yaml', latest);
    for (const id of ['policy/image-digest', 'image-digest', 'policy']) {
      expect((await findings(file, { disabledRules: [id] })).policy).toEqual([]);
    }
    expect((await findings(file, { disabledRules: ['policy/host-path'] })).policy).toHaveLength(1);
  });

  test('per file with a # ray-gitops:disable comment', async () => {
    const file = write('latest.yaml', `# ray-gitops:disable policy/image-digest, policy/host-path\n${latest}`);
    const result = await findings(file);
    expect(result.policy).toEqual([]);
    expect(result.summary.ok).toBe(true);
  });

  test('per resource with the ray-gitops.io/disable-rules annotation', async () => {
    const text = corrupt(latest, 'metadata:\n  name: ray-serve-llm', 'metadata:\n  name: ray-serve-llm\n  annotations:\n    ray-gitops.io/disable-rules: policy/image-digest');
    expect((await findings(write('annotated.yaml', text))).policy).toEqual([]);
  });

  test('per RGD template with the annotation on the template', async () => {
    const source = readFileSync(RGD, 'utf8');
    const image = /^ +image: (\S+@sha256:0+)$/m.exec(source)![1]!;
    const text = source.replaceAll(` image: ${image}`, ' image: rayproject/ray:latest');
    const all = await findings(write('rgd.yaml', text));
    expect(all.policy.length).toBeGreaterThan(1);
    const annotated = text.replaceAll(
      '          annotations:\n            ray-gitops.io/model-source:',
      '          annotations:\n            ray-gitops.io/disable-rules: image-digest\n            ray-gitops.io/model-source:',
    );
    expect(annotated).not.toBe(text);
    expect((await findings(write('rgd.yaml', annotated))).policy).toEqual([]);
  });

  test('GITOPS_CHECKS carries the policy under the id --no-policy drops', () => {
    expect(GITOPS_CHECKS.some((check) => check.id === 'policy')).toBe(true);
  });
});
