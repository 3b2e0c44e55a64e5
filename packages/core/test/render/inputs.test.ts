import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { entry, IMAGE, REPO_ROOT, tempDir, VERSIONS } from './helpers.js';
import { InputFileError, UsageError } from '../../src/errors/index.js';
import {
  engineArgsJson,
  dashboardConfigMap,
  llmServiceInstance,
  llmServiceResources,
  loadRenderSettings,
  loadRuntimeVersions,
  parseImageRef,
  parseRenderSettings,
  placeModel,
} from '../../src/render/index.js';
import { detectWeightFormat, matchStagedRecords, parseStagedRecords, sourceIdentity, toStagedRecord } from '../../src/staged/index.js';

describe('the image reference', () => {
  test('must be pinned by digest', () => {
    const digest = 'a'.repeat(64);
    expect(parseImageRef(`123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${digest}`)).toMatchObject({ repository: '123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm', digest: `sha256:${digest}` });
    expect(parseImageRef(`localhost:5000/team/ray-vllm:ctx-1a2b@sha256:${digest}`)).toMatchObject({ tag: 'ctx-1a2b' });
    expect(() => parseImageRef('ray-vllm:latest')).toThrow(UsageError);
    expect(() => parseImageRef('ray-vllm:latest')).toThrow(/':latest' moves under you/);
    expect(() => parseImageRef(`ray-vllm@sha256:${'a'.repeat(63)}`)).toThrow(/not pinned by digest/);
  });
});

describe('docker/versions.json', () => {
  test('the committed file is the one source of the Ray version', async () => {
    const versions = await loadRuntimeVersions(join(REPO_ROOT, 'docker', 'versions.json'));
    expect(versions.ray).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versions.baseImage).toContain(versions.ray);
  });

  test('a missing or broken file says what it is for', async () => {
    await expect(loadRuntimeVersions('/nonexistent/versions.json')).rejects.toThrow(/holds the Ray version every RayService declares/);
    const dir = await tempDir('versions');
    await writeFile(join(dir, 'v.json'), JSON.stringify({ ray: 'latest', vllm: '0.11.0', python: '3.11', cuda: '12.8', baseImage: 'x:1' }));
    await expect(loadRuntimeVersions(join(dir, 'v.json'))).rejects.toThrow(/"ray" must be a string like "2.52.0"/);
  });
});

describe('render settings', () => {
  test('only repoURL is required; the rest defaults', () => {
    expect(parseRenderSettings({ repoURL: 'https://github.com/o/r.git' })).toMatchObject({ targetRevision: 'main', path: 'gitops', namespace: 'llm-serving', gpuNodeLabels: 'karpenter' });
  });

  test('rejects unknown keys, bad values and a missing file with a sentence that says what to do', async () => {
    expect(() => parseRenderSettings({ repoURL: 'https://x/y.git', namespcae: 'a' })).toThrow(/unknown setting 'namespcae'/);
    expect(() => parseRenderSettings({ repoURL: 'https://x/y.git', gpuNodeLabels: 'gke' })).toThrow(/karpenter, eks-auto-mode, nvidia-gfd/);
    expect(() => parseRenderSettings({})).toThrow(/'repoURL' is required/);
    await expect(loadRenderSettings('/nonexistent/render-settings.yaml')).rejects.toBeInstanceOf(InputFileError);
  });

  test('identity, gateway and monitoring: the role by ARN or by ACK Role, every monitoring switch on by default', () => {
    const base = { repoURL: 'https://x/y.git' };
    const byArn = parseRenderSettings({ ...base, identity: { clusterName: 'prod', roleARN: 'arn:aws:iam::123456789012:role/serving/model-reader' } });
    expect(byArn.identity).toEqual({ clusterName: 'prod', roleARN: 'arn:aws:iam::123456789012:role/serving/model-reader', roleName: 'model-reader' });
    expect(parseRenderSettings({ ...base, identity: { clusterName: 'prod', roleRef: 'model-reader', roleName: 'prod-model-reader' } }).identity)
      .toEqual({ clusterName: 'prod', roleRef: 'model-reader', roleName: 'prod-model-reader' });
    expect(() => parseRenderSettings({ ...base, identity: { clusterName: 'prod' } })).toThrow(/exactly one of roleARN .* and roleRef/);
    const user = { clusterName: 'prod', roleARN: 'arn:aws:iam::1:user/x' };
    expect(() => parseRenderSettings({ ...base, identity: user })).toThrow(/identity.roleARN' must be an IAM role ARN/);
    expect(() => parseRenderSettings({ ...base, identity: { clusterName: 'prod', roleRef: 'r' } })).toThrow(/'identity.roleName' is required/);
    expect(parseRenderSettings(base)).toMatchObject({ monitoring: { podMonitor: true, engineMetrics: true, dashboard: true, dashboardNamespace: 'monitoring' } });
    expect(parseRenderSettings(base).identity).toBeUndefined();
    expect(parseRenderSettings(base).gateway).toBeUndefined();
    expect(() => parseRenderSettings({ ...base, monitoring: { podMonitor: 'yes' } })).toThrow(/monitoring.podMonitor must be true or false/);
    expect(() => parseRenderSettings({ ...base, gateway: { name: 'gw' } })).toThrow(/'gateway.namespace' is required/);
  });

  test('each monitoring switch and the gateway leave their resources out of the RGD', () => {
    const settings = (extra: Record<string, unknown>) => parseRenderSettings({ repoURL: 'https://x/y.git', ...extra });
    const resources = (extra: Record<string, unknown>) => llmServiceResources(parseImageRef(IMAGE), VERSIONS, settings(extra));
    const ids = (extra: Record<string, unknown>) => resources(extra).map((resource) => resource.id);
    expect(ids({})).toEqual(['serviceAccount', 'weightsVolume', 'weightsClaim', 'rayService', 'podMonitor', 'workerDisruptionBudget']);
    expect(ids({ monitoring: { podMonitor: false }, gateway: { name: 'gw', namespace: 'gateway-system' } })).toEqual(['serviceAccount', 'weightsVolume', 'weightsClaim', 'rayService', 'httpRoute', 'workerDisruptionBudget']);
    const engineMetricsOff = JSON.stringify(resources({ monitoring: { engineMetrics: false } }));
    expect(engineMetricsOff).not.toContain('log_engine_metrics');
  });

  test('upgrade: incremental needs the GatewayClass KubeRay creates its Gateway with', () => {
    const incremental = entry({ name: 'qwen', serving: { upgrade: 'incremental' } });
    const { placement } = placeModel(incremental, undefined, undefined);
    const base = { repoURL: 'https://x/y.git' };
    expect(() => llmServiceInstance(incremental, placement, parseRenderSettings(base))).toThrow(/qwen: serving.upgrade is incremental, .*set gateway.className/);
    const withClass = parseRenderSettings({ ...base, gateway: { name: 'gw', namespace: 'gateway-system', className: 'istio' } });
    expect((llmServiceInstance(incremental, placement, withClass).spec as Record<string, unknown>).upgrade).toBe('incremental');
  });

  test('the Grafana dashboard: a sidecar-labelled ConfigMap with the five panels on the vLLM and Ray metric names', () => {
    const configMap = dashboardConfigMap(parseRenderSettings({ repoURL: 'https://x/y.git' })) as { metadata: { namespace: string; labels: Record<string, string> }; data: Record<string, string> };
    expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
    expect(configMap.metadata.namespace).toBe('monitoring');
    const dashboard = JSON.parse(configMap.data['ray-gitops-llm.json']!) as { panels: { title: string; targets: { expr: string }[] }[] };
    const panels = Object.fromEntries(dashboard.panels.map((panel) => [panel.title, panel.targets.map((target) => target.expr).join(' ')]));
    expect(Object.keys(panels)).toEqual(['Time to first token', 'Inter-token latency', 'Requests running and waiting', 'KV-cache use', 'GPU utilisation']);
    expect(panels['Time to first token']).toContain('ray_vllm_time_to_first_token_seconds_bucket');
    expect(panels['Inter-token latency']).toContain('ray_vllm_inter_token_latency_seconds_bucket');
    expect(panels['Requests running and waiting']).toMatch(/ray_vllm_num_requests_running.*ray_vllm_num_requests_waiting/);
    expect(panels['KV-cache use']).toContain('ray_vllm_kv_cache_usage_perc');
    expect(panels['GPU utilisation']).toContain('ray_node_gpus_utilization');
  });

  test('the committed settings parse', async () => {
    expect((await loadRenderSettings(join(REPO_ROOT, 'gitops', 'render-settings.yaml'))).addons.kuberay.version).toBe('1.7.0');
  });
});

describe('the staged record', () => {
  const manifest = 's3://bkt/models/.manifests/Qwen/Qwen2.5-7B-Instruct/abc.json';
  const qwen = { uri: 's3://bkt/models/Qwen/Qwen2.5-7B-Instruct/abc/', commit: 'abc', manifestUri: manifest, source: 'huggingface:Qwen/Qwen2.5-7B-Instruct@main' };

  test('reads records keyed by model name, and detects Mistral-native files', () => {
    const records = parseStagedRecords(
      JSON.stringify({
        qwen: { ...qwen, uri: 's3://bkt/models/Qwen/Qwen2.5-7B-Instruct/abc' },
        mistral: { uri: 's3://bkt/models/url/mistral/123/', commit: '123', manifestUri: 's3://bkt/models/.manifests/url/mistral/123.json', source: 'url:https://cdn.example/m.tar', files: [{ path: 'params.json' }, { path: 'consolidated.safetensors' }] },
      }),
    );
    expect(records[0]).toEqual({ model: 'qwen', ...qwen });
    expect(records[1]).toMatchObject({ model: 'mistral', format: 'mistral' });
  });

  test('also takes one record (prestage --json, transfer figures included) or a list of them', () => {
    const report = { ...qwen, org: 'Qwen', name: 'Qwen2.5-7B-Instruct', alreadyStaged: false, totalBytes: 1, bytesUploaded: 1, bytesSkipped: 0, seconds: 0.1, files: [{ path: 'config.json', size: 1, sha256: 'x', action: 'uploaded' }] };
    expect(parseStagedRecords(JSON.stringify(report))).toEqual([{ ...qwen, format: 'huggingface' }]);
    expect(parseStagedRecords(JSON.stringify([{ ...qwen, model: 'a' }])).map((r) => r.model)).toEqual(['a']);
  });

  test('is strict, and says where', () => {
    expect(() => parseStagedRecords('{')).toThrow(/not valid JSON/);
    expect(() => parseStagedRecords(JSON.stringify({ a: { ...qwen, uri: 'https://x/' } }))).toThrow(/model 'a': "uri" must be the staged s3:\/\/bucket\/prefix\//);
    expect(() => parseStagedRecords(JSON.stringify([{ ...qwen, model: 'a' }, { ...qwen, model: 'a' }]))).toThrow(/names model 'a' twice/);
    expect(() => parseStagedRecords(JSON.stringify({ a: { ...qwen, s3Uri: qwen.uri } }))).toThrow(/model 'a': unknown field "s3Uri"/);
    expect(() => parseStagedRecords(JSON.stringify({ a: { uri: qwen.uri, manifestUri: manifest, commit: 'abc' } }))).toThrow(/"source" must be a string and is missing/);
  });

  test('a record without a model name serves the entries staged from its source', () => {
    const entries = [
      { name: 'qwen', source: { kind: 'huggingface' as const, repo: 'Qwen/Qwen2.5-7B-Instruct', revision: 'main' } },
      { name: 'other', source: { kind: 'huggingface' as const, repo: 'Qwen/Qwen2.5-1.5B', revision: 'main' } },
    ];
    const { staged, warnings } = matchStagedRecords([qwen, { ...qwen, source: 'huggingface:x/y@main' }], entries);
    expect([...staged.keys()]).toEqual(['qwen']);
    expect(warnings).toEqual([expect.stringMatching(/huggingface:x\/y@main .* matches no catalog entry/)]);
  });

  test('the stager and the renderer name a URL source alike: no query, no user info', () => {
    const identity = sourceIdentity({ kind: 'url', url: 'https://user:pw@cdn.example/m.tar?X-Amz-Signature=secret', sha256: 'AB'.repeat(32) });
    expect(identity).toBe(`url:https://cdn.example/m.tar#sha256=${'ab'.repeat(32)}`);
    const record = toStagedRecord({ s3Uri: 's3://bkt/m/url/m/1/', commit: '1', manifestUri: 's3://bkt/m/.manifests/url/m/1.json', source: identity, files: [{ path: 'config.json' }] }, { model: 'm' });
    expect(record).toEqual({ model: 'm', uri: 's3://bkt/m/url/m/1/', commit: '1', manifestUri: 's3://bkt/m/.manifests/url/m/1.json', source: identity, format: 'huggingface' });
  });

  test('detects the layout from file names', () => {
    expect(detectWeightFormat(['params.json', 'consolidated.safetensors', 'tokenizer.model.v3'])).toBe('mistral');
    expect(detectWeightFormat(['config.json', 'model-00001-of-00004.safetensors', 'params.json', 'consolidated.safetensors'])).toBe('huggingface');
    expect(detectWeightFormat([])).toBeUndefined();
  });
});

describe('where a model is read from', () => {
  const qwen = entry({ name: 'qwen', source: { kind: 'huggingface', repo: 'Qwen/Qwen2.5-7B-Instruct', revision: 'main' } });
  const record = { uri: 's3://bkt/m/Qwen/Qwen2.5-7B-Instruct/abc/', commit: 'abc', manifestUri: '', source: 'huggingface:Qwen/Qwen2.5-7B-Instruct@main' };

  test('the staged map first, then an S3 source, then the previous render, else pending', () => {
    expect(placeModel(qwen, record, undefined).placement.origin).toBe('staged');
    expect(placeModel(entry({ name: 's', source: { kind: 's3', uri: 's3://bkt/w/' } }), undefined, undefined).placement).toMatchObject({ origin: 'catalog-s3', source: 's3://bkt/w/' });
    const previous = { sourceIdentity: sourceIdentity(qwen.source), source: record.uri, commit: 'abc', manifest: '', format: 'huggingface' as const };
    expect(placeModel(qwen, undefined, previous).placement.origin).toBe('previous-render');
    expect(placeModel(qwen, undefined, { ...previous, sourceIdentity: 'huggingface:Qwen/Qwen2.5-7B-Instruct@v1' }).placement.origin).toBe('pending');
  });

  test('a staging record for another source is ignored with a warning', () => {
    const { placement, warning } = placeModel(qwen, { ...record, source: 'huggingface:Qwen/Qwen2.5-7B@main' }, undefined);
    expect(placement.origin).toBe('pending');
    expect(warning).toMatch(/was staged from huggingface:Qwen\/Qwen2.5-7B@main, but the catalog now says huggingface:Qwen\/Qwen2.5-7B-Instruct@main/);
  });

  test('engine arguments become sorted snake_case JSON', () => {
    expect(engineArgsJson({ 'max-num-seqs': 64, 'enable-prefix-caching': true, 'kv-cache-dtype': 'fp8' }, { format: 'huggingface' })).toBe(
      '{"enable_prefix_caching":true,"kv_cache_dtype":"fp8","max_num_seqs":64}',
    );
    expect(engineArgsJson({ 'tokenizer-mode': 'mistral', 'config-format': 'mistral', 'max-num-seqs': 8 }, { format: 'mistral' })).toBe('{"max_num_seqs":8}');
  });
});
