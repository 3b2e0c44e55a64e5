import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { entry, IMAGE, instanceCrdDir, SETTINGS, tempDir, validate, VERSIONS } from '@ray-gitops/testkit/render-helpers';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import type { ModelEntry } from '../../src/catalog/model-entry.js';
import { applyDefaults, expandResourceGraph, instanceCrd, type RgdResource } from '../../src/kro/index.js';
import { llmServiceInstance, llmServiceRgd, llmServiceSimpleSchema, parseImageRef, placeModel } from '../../src/render/index.js';
import { parseRenderSettings } from '../../src/render/settings.js';
import type { StagedRecord } from '../../src/staged/index.js';

const COMMIT = '3f'.repeat(20);
const STAGER = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager@sha256:${'cd'.repeat(32)}`;
const WRITER = 'arn:aws:iam::123456789012:role/model-writer';
const settings = parseRenderSettings({
  repoURL: 'https://github.com/example-org/ray-gitops.git',
  staging: { clusterName: 'llm-cluster', writerRoleArn: WRITER, image: STAGER },
  gateway: { name: 'llm-gateway', namespace: 'gateway-system' },
});
const staged: StagedRecord = {
  source: 'huggingface:deepseek-ai/DeepSeek-R1@main',
  uri: `s3://models-bucket/models/deepseek-ai/DeepSeek-R1/${COMMIT}/`,
  commit: COMMIT,
  manifestUri: `s3://models-bucket/models/.manifests/deepseek-ai/DeepSeek-R1/${COMMIT}.json`,
};
const inCluster = (shards: number, storage: 'stream' | 'mount' = 'stream'): ModelEntry => ({
  ...entry({ name: 'deepseek-r1', source: { kind: 'huggingface', repo: 'deepseek-ai/DeepSeek-R1', revision: 'main' }, serving: { storage, gpu: { type: 'H100', count: 8 } } }),
  staging: { where: 'cluster', shards },
});
const rgd = llmServiceRgd(parseImageRef(IMAGE), VERSIONS, settings) as { spec: { resources: RgdResource[] } };
const instanceSchema = instanceCrd(llmServiceSimpleSchema()).spec.versions[0]!.schema.openAPIV3Schema;
/** `null`: not staged yet (no record in the staged map) */
const instanceOf = (model: ModelEntry, with_ = settings, stagedModel: StagedRecord | null = staged) =>
  llmServiceInstance(model, placeModel(model, stagedModel ?? undefined, undefined).placement, with_);
const expand = (instance: Record<string, unknown>) =>
  expandResourceGraph(rgd.spec.resources, applyDefaults(instanceSchema, instance) as Record<string, unknown>);
const byId = (resources: { id: string; object: Record<string, unknown> }[], id: string) => resources.find((r) => r.id === id)?.object as any;

describe('a catalog entry staged in the cluster by N pods', () => {
  test('renders an Indexed Job of N shards, a finalize Job and the writer identity; the RayService names the finalize Job', () => {
    const created = expand(instanceOf(inCluster(4)));
    expect(created.map((r) => r.id)).toEqual([
      'serviceAccount', 'stagerServiceAccount', 'stagerPodIdentity', 'stagingShards', 'stagingFinalize',
      'rayServiceAfterStaging', 'httpRouteAfterStaging', 'podMonitorAfterStaging', 'workerDisruptionBudgetAfterStaging',
    ]);
    const shards = byId(created, 'stagingShards');
    expect(shards.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 6, activeDeadlineSeconds: 21600 });
    // a usage error (exit 2) fails the Job at once; anything else is retried, resuming where it stopped
    expect(shards.spec.podFailurePolicy.rules).toEqual([{ action: 'FailJob', onExitCodes: { containerName: 'stager', operator: 'In', values: [2] } }]);
    const container = shards.spec.template.spec.containers[0];
    expect(container.image).toBe(STAGER);
    expect(container.args).toEqual([
      'prestage', '--hf', `deepseek-ai/DeepSeek-R1@${COMMIT}`, '--dest', 's3://models-bucket/models', '--storage-class', 'INTELLIGENT_TIERING', '--shard', '$(JOB_COMPLETION_INDEX)/4',
    ]);
    expect(container.env.find((e: { name: string }) => e.name === 'JOB_COMPLETION_INDEX').valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    expect(shards.spec.template.spec.serviceAccountName).toBe('deepseek-r1-stager');
    const finalize = byId(created, 'stagingFinalize');
    expect(finalize.spec.template.spec.containers[0].args.at(-1)).toBe('--finalize');
    expect(finalize.metadata.annotations['ray-gitops.io/after']).toBe(shards.metadata.name);
    expect(byId(created, 'stagerPodIdentity').spec).toEqual({ clusterName: 'llm-cluster', namespace: 'llm-serving', serviceAccount: 'deepseek-r1-stager', roleARN: WRITER });
    // the dependency kro follows: the RayService template references the finalize Job
    const rayService = byId(created, 'rayServiceAfterStaging');
    expect(rayService.metadata.annotations['ray-gitops.io/staged-by']).toBe(finalize.metadata.name);
    expect(finalize.metadata.name).toBe(`deepseek-r1-f${COMMIT.slice(0, 8)}`);
    // the RayService's dependents come from the same templates and point at this RayService
    expect(byId(created, 'httpRouteAfterStaging').spec.rules[0].backendRefs[0].name).toBe(`${rayService.metadata.name}-serve-svc`);
    expect(byId(created, 'workerDisruptionBudgetAfterStaging').spec.selector.matchLabels['ray-gitops.io/model']).toBe(rayService.metadata.name);
  });

  test('the in-cluster variants are the plain resources plus the Job dependency: same templates, references moved, nothing else', () => {
    const resources = rgd.spec.resources;
    for (const id of ['rayService', 'httpRoute', 'podMonitor', 'workerDisruptionBudget']) {
      const plain = resources.find((r) => r.id === id)!;
      const variant = resources.find((r) => r.id === `${id}AfterStaging`)!;
      expect(plain.includeWhen!.at(-1)).toBe('${schema.spec.staging.shards == 0}');
      expect(variant.includeWhen).toEqual([...plain.includeWhen!.slice(0, -1), '${schema.spec.staging.shards > 0}']);
      const moved = JSON.stringify(variant.template).replaceAll('AfterStaging', '').replace(/,"ray-gitops.io\/staged-by":"\$\{stagingFinalize.metadata.name\}"/, '');
      expect(JSON.parse(moved)).toEqual(plain.template);
    }
    // the resources that do not refer to the RayService are shared by both kinds of model
    expect(resources.filter((r) => r.id.endsWith('AfterStaging')).map((r) => r.id)).toHaveLength(4);
  });

  test('kro waits on each step: the RayService variant references the finalize Job, which is ready only once it succeeded after all N shards', () => {
    const resources = rgd.spec.resources;
    const ids = resources.map((r) => r.id);
    const twin = resources.find((r) => r.id === 'rayServiceAfterStaging')!;
    expect(JSON.stringify(twin.template)).toContain('${stagingFinalize.metadata.name}');
    expect(resources.find((r) => r.id === 'stagingFinalize')!.readyWhen).toEqual(['${stagingFinalize.status.?succeeded.orValue(0) >= 1}']);
    expect(resources.find((r) => r.id === 'stagingShards')!.readyWhen).toEqual(['${stagingShards.status.?succeeded.orValue(0) == schema.spec.staging.shards}']);
    expect(JSON.stringify(resources.find((r) => r.id === 'stagingFinalize')!.template)).toContain('${stagingShards.metadata.name}');
    // dependencies come first, as kro orders them
    expect(ids.indexOf('stagingShards')).toBeLessThan(ids.indexOf('stagingFinalize'));
    expect(ids.indexOf('stagingFinalize')).toBeLessThan(ids.indexOf('rayServiceAfterStaging'));
  });

  test('a model staged by the runner renders exactly as before: no Job, no writer, the plain RayService', () => {
    const runner = { ...inCluster(1), staging: undefined } as ModelEntry;
    const instance = instanceOf(runner) as { spec: Record<string, unknown> };
    expect(instance.spec.staging).toBeUndefined();
    expect(expand(instance).map((r) => r.id)).toEqual(['serviceAccount', 'rayService', 'httpRoute', 'podMonitor', 'workerDisruptionBudget']);
    // not yet resolved: nothing at all is created, no Job either
    expect(expand(instanceOf(inCluster(2), settings, null)).map((r) => r.id)).toEqual(['serviceAccount']);
  });

  test('the Jobs, the writer identity and the instance validate against Kubernetes, the ACK CRD and the generated LLMService CRD', async () => {
    const dir = await tempDir('staging-job');
    let count = 0;
    for (const shards of [1, 4]) {
      for (const storage of ['stream', 'mount'] as const) {
        const instance = instanceOf(inCluster(shards, storage));
        await writeFile(join(dir, `instance-${shards}-${storage}.yaml`), stringify(instance));
        count += 1;
        for (const { id, object } of expand(instance)) {
          await writeFile(join(dir, `${shards}-${storage}.${id}.yaml`), stringify(object));
          count += 1;
        }
      }
    }
    const validation = await validate([dir], { extraCrds: [await instanceCrdDir()] });
    expect(validation.problems).toEqual([]);
    expect(validation.summary).toMatchObject({ resources: count, valid: count });
    expect(new Set(validation.results.map((r) => r.resource.kind))).toEqual(
      new Set(['LLMService', 'ServiceAccount', 'PodIdentityAssociation', 'Job', 'RayService', 'PersistentVolume', 'PersistentVolumeClaim', 'HTTPRoute', 'PodMonitor', 'PodDisruptionBudget']),
    );
  });

  test('without the staging settings, render says which file to complete; bad settings name the field', () => {
    expect(() => instanceOf(inCluster(2), SETTINGS)).toThrow(/deepseek-r1 stages in the cluster \(staging.where: cluster\); set staging.clusterName and staging.writerRoleArn in render-settings.yaml/);
    expect(() => parseRenderSettings({ repoURL: 'https://github.com/o/r.git', staging: { clusterName: 'c', writerRoleArn: WRITER, image: 'stager:latest' } })).toThrow(
      "render-settings.yaml: 'staging.image' \"stager:latest\" is not pinned by digest; give the stager image as REPOSITORY@sha256:<64 hex digits> " +
        '(the build-image output for docker/stager), or leave it out and pass render --stager-image',
    );
    expect(() => parseRenderSettings({ repoURL: 'https://github.com/o/r.git', staging: { clusterName: 'c', writerRoleArn: 'admin', image: STAGER } })).toThrow(/'staging.writerRoleArn' must be an IAM role ARN/);
  });
});
