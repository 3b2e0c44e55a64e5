import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { entry, IMAGE, instanceCrdDir, REPO_ROOT, SETTINGS, tempDir, validate, VERSIONS, VERSIONS_FILE, workspace } from './helpers.js';
import type { ModelEntry } from '../../src/catalog/model-entry.js';
import { applyDefaults, expandResourceGraph, findExpressions, instanceCrd, type RgdResource } from '../../src/kro/index.js';
import {
  llmServiceInstance,
  llmServiceRgd,
  llmServiceSimpleSchema,
  MODEL_ACCESS_CHECK_MODULE,
  MODEL_SOURCE_PATTERN,
  parseImageRef,
  placeModel,
  renderCatalog,
  renderTree,
  type ModelPlacement,
} from '../../src/render/index.js';
import { sourceIdentity, type StagedRecord } from '../../src/staged/index.js';

/** A record before the source it was staged from is known (added per case from its entry). */
type StagedModel = Omit<StagedRecord, 'source'>;

const BUCKET = 's3://models-bucket/models';

function staged(org: string, name: string, commit: string, extra: Partial<StagedModel> = {}): StagedModel {
  return {
    uri: `${BUCKET}/${org}/${name}/${commit}/`,
    commit,
    manifestUri: `${BUCKET}/.manifests/${org}/${name}/${commit}.json`,
    ...extra,
  };
}

/** Every shape of model the RGD handles. */
const CASES: { title: string; entry: ModelEntry; staged?: StagedModel }[] = [
  { title: 'a Hub model streamed from S3', entry: entry({ name: 'qwen-stream', serving: { engineArgs: { 'enable-prefix-caching': true } } }), staged: staged('Qwen', 'Qwen2.5-7B-Instruct', 'a'.repeat(40)) },
  { title: 'a Hub model read from a Mountpoint volume', entry: entry({ name: 'qwen-mount', serving: { storage: 'mount' } }), staged: staged('Qwen', 'Qwen2.5-7B-Instruct', 'b'.repeat(40)) },
  {
    title: 'a Mistral-native archive, streamed',
    entry: entry({ name: 'mistral-stream', source: { kind: 'url', url: 'https://models.mistralcdn.com/m.tar' }, serving: { engineArgs: { 'tokenizer-mode': 'mistral', 'config-format': 'mistral' } } }),
    staged: staged('url', 'mistral-stream', 'c'.repeat(64), { format: 'mistral' }),
  },
  {
    title: 'a Mistral-native archive, mounted',
    entry: entry({ name: 'mistral-mount', source: { kind: 'url', url: 'https://models.mistralcdn.com/m.tar' }, serving: { storage: 'mount' } }),
    staged: staged('url', 'mistral-mount', 'd'.repeat(64), { format: 'mistral' }),
  },
  { title: 'a 70B model on 8 H100s', entry: entry({ name: 'llama-70b', serving: { gpu: { type: 'H100', count: 8 }, maxModelLen: 32768, replicas: { min: 0, max: 1 } } }), staged: staged('meta-llama', 'Llama-3.3-70B-Instruct', 'e'.repeat(40)) },
  { title: 'weights given as an S3 source in the catalog', entry: entry({ name: 'from-s3', source: { kind: 's3', uri: 's3://other-bucket/weights/my-model/' } }) },
  { title: 'a model not staged yet', entry: entry({ name: 'pending' }) },
];

function placementFor(item: (typeof CASES)[number]): ModelPlacement {
  return placeModel(item.entry, item.staged && withSource(item), undefined).placement;
}

function withSource(item: (typeof CASES)[number]): StagedRecord {
  return { ...item.staged!, source: sourceIdentity(item.entry.source) };
}

const rgd = llmServiceRgd(parseImageRef(IMAGE), VERSIONS) as { spec: { resources: RgdResource[] } };
const crd = instanceCrd(llmServiceSimpleSchema());
const instanceSchema = crd.spec.versions[0]!.schema.openAPIV3Schema;

/** What kro would create for an instance (defaults applied as the API server does). */
function expand(instance: Record<string, unknown>) {
  return expandResourceGraph(rgd.spec.resources, applyDefaults(instanceSchema, instance) as Record<string, unknown>);
}

function instanceOf(item: (typeof CASES)[number]): Record<string, unknown> {
  return llmServiceInstance(item.entry, placementFor(item), SETTINGS);
}

describe('every rendered file validates against the real CRDs', () => {
  let crdDir: string;
  beforeAll(async () => {
    crdDir = await instanceCrdDir();
  });

  test('the example tree: RGD, Applications, ApplicationSet, health checks, instances (against the CRD kro would generate)', async () => {
    const ws = await workspace();
    const stagedMap = [{ model: 'qwen2-5-7b-instruct', ...staged('Qwen', 'Qwen2.5-7B-Instruct', 'f'.repeat(40)), source: 'huggingface:Qwen/Qwen2.5-7B-Instruct@main' }];
    const result = await renderCatalog({ catalogDir: ws.catalog, outDir: ws.out, versionsFile: VERSIONS_FILE, image: IMAGE, staged: stagedMap });
    const validation = await validate([ws.out], { extraCrds: [crdDir] });
    expect(validation.problems).toEqual([]);
    expect(validation.summary).toMatchObject({ resources: result.tree!.files.length, valid: result.tree!.files.length, ok: true });
    const kinds = validation.results.map((r) => r.resource.kind).sort();
    expect(new Set(kinds)).toEqual(new Set(['Application', 'ApplicationSet', 'ConfigMap', 'LLMService', 'Namespace', 'ResourceGraphDefinition', 'Secret']));
  });

  test('the committed gitops/ tree', async () => {
    const validation = await validate([join(REPO_ROOT, 'gitops')], { extraCrds: [crdDir] });
    expect(validation.problems).toEqual([]);
    expect(validation.summary.ok).toBe(true);
    expect(validation.summary.valid).toBeGreaterThanOrEqual(12);
  });

  test('every case as an instance, against the CRD kro would generate from the SimpleSchema', async () => {
    const dir = await tempDir('instances');
    const tree = renderTree({
      entries: CASES.map((item) => item.entry),
      image: parseImageRef(IMAGE),
      settings: SETTINGS,
      versions: VERSIONS,
      staged: new Map(CASES.filter((item) => item.staged).map((item) => [item.entry.name, withSource(item)])),
    });
    for (const file of tree.files) await writeFile(join(dir, file.path.replace(/\//g, '__')), file.content);
    const validation = await validate([dir], { extraCrds: [crdDir] });
    expect(validation.problems).toEqual([]);
    expect(validation.summary.invalid).toBe(0);
  });

  test('an instance that breaks the API is rejected by that CRD', async () => {
    const dir = await tempDir('bad-instance');
    const instance = instanceOf(CASES[0]!) as { spec: Record<string, unknown> };
    instance.spec.gpuCount = 3;
    instance.spec.storage = 'nfs';
    await writeFile(join(dir, 'bad.yaml'), stringify(instance));
    const validation = await validate([dir], { extraCrds: [crdDir] });
    expect(validation.summary.invalid).toBe(1);
    expect(validation.problems.join('\n')).toMatch(/gpuCount/);
    expect(validation.problems.join('\n')).toMatch(/storage/);
  });

  test('what kro creates for each case validates: RayService against KubeRay v1.7, the rest against Kubernetes', async () => {
    const dir = await tempDir('expanded');
    let count = 0;
    for (const item of CASES) {
      for (const { id, object } of expand(instanceOf(item))) {
        await writeFile(join(dir, `${item.entry.name}.${id}.yaml`), stringify(object));
        count += 1;
      }
    }
    const validation = await validate([dir]);
    expect(validation.problems).toEqual([]);
    expect(validation.summary).toMatchObject({ resources: count, valid: count });
  });
});

describe('the RayService kro creates for an instance', () => {
  const rayService = (item: (typeof CASES)[number]) => expand(instanceOf(item)).find((resource) => resource.id.startsWith('rayService'))?.object as any;
  const serveConfig = (item: (typeof CASES)[number]) => parse(rayService(item).spec.serveConfigV2, { merge: true });
  const llmConfig = (item: (typeof CASES)[number]) => serveConfig(item).applications[0].args.llm_configs[0];
  const byTitle = (title: string) => CASES.find((item) => item.title.startsWith(title))!;

  test('serves one application: serve/\'s build_app (Ray Serve LLM plus /generate on one engine), and autoscales', () => {
    const config = serveConfig(byTitle('a Hub model streamed'));
    expect(config.applications.map((app: any) => [app.name, app.route_prefix, app.import_path])).toEqual([['llm', '/', 'ray_gitops_serve.app:build_app']]);
    expect(config.applications[0].args.generate).toEqual({ enabled: true, route: '/generate', default_max_tokens: 256, default_temperature: 0.7, default_top_p: 0.9 });
    expect(llmConfig(byTitle('a Hub model streamed')).accelerator_type).toBe('L4');
    expect(llmConfig(byTitle('a 70B model')).accelerator_type).toBe('H100');
    expect(llmConfig(byTitle('a Hub model streamed')).deployment_config).toEqual({
      autoscaling_config: { min_replicas: 1, max_replicas: 2, target_ongoing_requests: 64 },
      max_ongoing_requests: 128,
    });
  });

  test('streams the staged prefix with the Run:ai streamer, extra engine arguments merged in', () => {
    const config = llmConfig(byTitle('a Hub model streamed'));
    expect(config.model_loading_config).toEqual({ model_id: 'qwen-stream', model_source: `${BUCKET}/Qwen/Qwen2.5-7B-Instruct/${'a'.repeat(40)}/` });
    expect(config.engine_kwargs).toEqual({ enable_prefix_caching: true, tensor_parallel_size: 1, max_model_len: 8192, load_format: 'runai_streamer' });
  });

  test('mount mode reads a read-only Mountpoint volume of the model prefix', () => {
    const item = byTitle('a Hub model read from a Mountpoint');
    const resources = expand(instanceOf(item));
    expect(resources.map((resource) => resource.id)).toEqual(['serviceAccount', 'weightsVolume', 'weightsClaim', 'rayService', 'podMonitor', 'workerDisruptionBudget']);
    const pv = resources[1]!.object as any;
    expect(pv.spec.csi).toEqual({
      driver: 's3.csi.aws.com',
      volumeHandle: 'llm-serving-qwen-mount-weights',
      volumeAttributes: { bucketName: 'models-bucket', authenticationSource: 'pod' },
    });
    expect(pv.spec.mountOptions).toEqual(['read-only', 'allow-other', `prefix models/Qwen/Qwen2.5-7B-Instruct/${'b'.repeat(40)}/`, 'region us-west-2']);
    expect(pv.spec.accessModes).toEqual(['ReadOnlyMany']);
    const worker = rayService(item).spec.rayClusterConfig.workerGroupSpecs[0].template.spec;
    expect(worker.volumes).toContainEqual({ name: 'weights', persistentVolumeClaim: { claimName: 'qwen-mount', readOnly: true } });
    expect(worker.containers[0].volumeMounts).toContainEqual({ name: 'weights', mountPath: '/mnt/models', readOnly: true });
    expect(llmConfig(item).model_loading_config.model_source).toBe('/mnt/models');
    expect(llmConfig(item).engine_kwargs.load_format).toBe('safetensors');
  });

  test('Mistral-native weights get the mistral tokenizer, config and (mounted) load formats', () => {
    expect(llmConfig(byTitle('a Mistral-native archive, streamed')).engine_kwargs).toEqual({
      tokenizer_mode: 'mistral',
      config_format: 'mistral',
      tensor_parallel_size: 1,
      max_model_len: 8192,
      load_format: 'runai_streamer',
    });
    expect(llmConfig(byTitle('a Mistral-native archive, mounted')).engine_kwargs).toMatchObject({ tokenizer_mode: 'mistral', config_format: 'mistral', load_format: 'mistral' });
  });

  test('explicit fields win over engineArgs in the merged engine_kwargs', () => {
    const item = { ...CASES[0]!, entry: entry({ name: 'clash' }) };
    const instance = instanceOf(item) as { spec: Record<string, unknown> };
    instance.spec.engineArgs = '{"max_model_len":1,"tokenizer_mode":"slow","gpu_memory_utilization":0.85}';
    const config = parse((expand(instance).find((resource) => resource.id === 'rayService')!.object as any).spec.serveConfigV2, { merge: true });
    expect(config.applications[0].args.llm_configs[0].engine_kwargs).toEqual({
      max_model_len: 8192,
      tokenizer_mode: 'slow',
      gpu_memory_utilization: 0.85,
      tensor_parallel_size: 1,
      load_format: 'runai_streamer',
    });
  });

  test('GPU workers: requests = limits for nvidia.com/gpu, the GPU toleration, a node selector for the GPU type, the reader service account', () => {
    const spec = rayService(byTitle('a 70B model')).spec.rayClusterConfig;
    const group = spec.workerGroupSpecs[0];
    expect([group.replicas, group.minReplicas, group.maxReplicas]).toEqual([0, 0, 1]);
    const pod = group.template.spec;
    const worker = pod.containers[0];
    expect(worker.resources.requests['nvidia.com/gpu']).toBe(8);
    expect(worker.resources.limits['nvidia.com/gpu']).toBe(8);
    expect(worker.resources.requests.memory).toBe(worker.resources.limits.memory);
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-name': 'h100' });
    expect(pod.serviceAccountName).toBe('llama-70b-model-reader');
    expect(llmConfig(byTitle('a 70B model')).engine_kwargs.tensor_parallel_size).toBe(8);
  });

  test('the head takes no work (num-cpus 0) and every container runs the pinned image with rayVersion from docker/versions.json', () => {
    const spec = rayService(byTitle('a Hub model streamed')).spec.rayClusterConfig;
    expect(spec.headGroupSpec.rayStartParams['num-cpus']).toBe('0');
    expect(spec.rayVersion).toBe(VERSIONS.ray);
    const pods = [spec.headGroupSpec.template.spec, spec.workerGroupSpecs[0].template.spec];
    const images = pods.flatMap((pod) => [...(pod.initContainers ?? []), ...pod.containers].map((c: any) => c.image));
    expect(new Set(images)).toEqual(new Set([IMAGE]));
  });

  test('weights come from S3 only: HF_HUB_OFFLINE=1 and no token anywhere', () => {
    const service = rayService(byTitle('a Hub model streamed'));
    const cluster = service.spec.rayClusterConfig;
    const containers = [cluster.headGroupSpec.template.spec.containers[0], cluster.workerGroupSpecs[0].template.spec.containers[0]];
    for (const container of containers) expect(container.env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(JSON.stringify(service)).not.toMatch(/HF_TOKEN|HUGGING_FACE_HUB_TOKEN|secretKeyRef/);
  });

  test('fails fast: the workers first check the prefix and its completion manifest with their own identity', () => {
    const pod = rayService(byTitle('a Hub model streamed')).spec.rayClusterConfig.workerGroupSpecs[0].template.spec;
    const [check] = pod.initContainers;
    expect(check.name).toBe('check-model-access');
    expect(check.command).toEqual(['python', '-m', 'ray_gitops_serve.model_access_check']);
    // the module the command runs is part of serve/, which the image installs
    expect(existsSync(join(REPO_ROOT, 'serve', ...MODEL_ACCESS_CHECK_MODULE.split('.')) + '.py')).toBe(true);
    const env = Object.fromEntries(check.env.map((variable: any) => [variable.name, variable.value ?? variable.valueFrom]));
    expect(env.MODEL_SOURCE).toBe(`${BUCKET}/Qwen/Qwen2.5-7B-Instruct/${'a'.repeat(40)}/`);
    expect(env.MODEL_MANIFEST).toBe(`${BUCKET}/.manifests/Qwen/Qwen2.5-7B-Instruct/${'a'.repeat(40)}.json`);
    expect(env.SERVICE_ACCOUNT).toEqual({ fieldRef: { fieldPath: 'spec.serviceAccountName' } });
  });

  test('avoids the known traps: no headService name, no deprecated thresholds, a name within 47 characters', () => {
    const longName = 'm'.repeat(47);
    const service = expand(instanceOf({ ...CASES[0]!, entry: entry({ name: longName }) })).find((resource) => resource.id === 'rayService')!.object as any;
    expect(service.metadata.name).toBe(longName);
    const text = JSON.stringify(rgd);
    expect(text).not.toMatch(/headService|UnhealthySecondThreshold/);
  });

  test('a model that is not staged gets its service account but no RayService', () => {
    expect(expand(instanceOf(byTitle('a model not staged'))).map((resource) => resource.id)).toEqual(['serviceAccount']);
  });

  test('a Hub id as the source is refused: weights come from S3 only (serve/ refuses Hub ids too)', () => {
    const source = (crd.spec.versions[0]!.schema.openAPIV3Schema as any).properties.spec.properties.model.properties.source;
    expect(source.pattern).toBe(MODEL_SOURCE_PATTERN);
    expect(new RegExp(MODEL_SOURCE_PATTERN).test('Qwen/Qwen2.5-7B-Instruct')).toBe(false);
    expect(new RegExp(MODEL_SOURCE_PATTERN).test(`${BUCKET}/Qwen/Qwen2.5-7B-Instruct/${'a'.repeat(40)}/`)).toBe(true);
  });
});

describe('the RGD template', () => {
  test('every expression inside a string template returns a string (kro rejects the RGD otherwise)', () => {
    // expanding every case already evaluates each template; here, statically: a template string's expressions are string-typed
    const nonString = /^(schema\.spec\.(gpuCount|maxModelLen|minReplicas|maxReplicas|nodeSelector)|[a-zA-Z]+\.status\b)/;
    const walk = (value: unknown, path: string): string[] => {
      if (typeof value === 'string') {
        const expressions = findExpressions(value);
        const standalone = expressions.length === 1 && expressions[0]!.start === 0 && expressions[0]!.end === value.length;
        if (standalone) return [];
        return expressions.filter((e) => nonString.test(e.source.trim())).map((e) => `${path}: \${${e.source}}`);
      }
      if (Array.isArray(value)) return value.flatMap((item, index) => walk(item, `${path}[${index}]`));
      if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => walk(item, `${path}.${key}`));
      return [];
    };
    expect(walk(rgd, 'rgd')).toEqual([]);
  });

  test('uses a kind of its own, not ray.io RayService', () => {
    const schema = (rgd as any).spec.schema;
    expect([schema.group, schema.kind]).toEqual(['ray-gitops.io', 'LLMService']);
  });

  test('is rendered with the image pinned by digest', () => {
    expect(JSON.stringify(rgd)).not.toMatch(/:latest/);
    expect((rgd as any).metadata.annotations['ray-gitops.io/image']).toBe(IMAGE);
  });
});
