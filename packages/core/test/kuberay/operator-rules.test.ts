import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseDocument, type Document } from 'yaml';
import { KUBERAY_FEATURE_GATE_DEFAULTS, kuberayCheck, KUBERAY_RULES, parseFeatureGates, type KubeRayFeatureGates } from '../../src/kuberay/index.js';
import { SchemaRegistry } from '../../src/validate/index.js';
import { CRDS, REFERENCE, run } from '../validate/helpers.js';

// One fixture per KubeRay v1.7.0 operator rule that trips it, and a passing twin that differs only in
// what the rule is about. RayCluster and RayService fixtures are validated against the upstream CRDs
// too; RayJob has no CRD in the shared set, so those run schema-less.

const RAY_CLUSTER = `apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: raycluster-sample
spec:
  rayVersion: "2.52.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.52.0
  workerGroupSpecs:
  - groupName: workers
    replicas: 1
    minReplicas: 1
    maxReplicas: 2
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.52.0
`;

const RAY_SERVICE = `apiVersion: ray.io/v1
kind: RayService
metadata:
  name: rayservice-sample
spec:
  serveConfigV2: |
    applications:
    - name: llms
      import_path: ray.serve.llm:build_openai_app
  rayClusterConfig:
    rayVersion: "2.52.0"
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-head
            image: rayproject/ray:2.52.0
    workerGroupSpecs:
    - groupName: gpu-group
      replicas: 1
      minReplicas: 1
      maxReplicas: 1
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-worker
            image: rayproject/ray:2.52.0
`;

const RAY_JOB = `apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: rayjob-sample
spec:
  entrypoint: python /home/ray/samples/sample_code.py
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    rayVersion: "2.52.0"
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-head
            image: rayproject/ray:2.52.0
`;

const BASES = { RayCluster: RAY_CLUSTER, RayService: RAY_SERVICE, RayJob: RAY_JOB } as const;
type Kind = keyof typeof BASES;
type Edit = (doc: Document) => void;

interface Case {
  readonly rule: string;
  readonly kind: Kind;
  /** what the failing fixture changes, and the text on the line the finding must point at */
  readonly fail: Edit;
  readonly at: string;
  /** what the passing twin changes instead */
  readonly pass: Edit;
  readonly gates?: Partial<KubeRayFeatureGates>;
}

const SPEC: Record<Kind, string[]> = { RayCluster: ['spec'], RayService: ['spec', 'rayClusterConfig'], RayJob: ['spec', 'rayClusterSpec'] };
const set = (path: (string | number)[], value: unknown): Edit => (doc) => doc.setIn(path, doc.createNode(value));
const del = (path: (string | number)[]): Edit => (doc) => doc.deleteIn(path);
const all = (...edits: Edit[]): Edit => (doc) => edits.forEach((edit) => edit(doc));
const cluster = (kind: Kind, ...path: (string | number)[]) => [...SPEC[kind], ...path];
const headContainer = (kind: Kind, ...path: (string | number)[]) => cluster(kind, 'headGroupSpec', 'template', 'spec', 'containers', 0, ...path);
const worker = (kind: Kind, ...path: (string | number)[]) => cluster(kind, 'workerGroupSpecs', 0, ...path);
const autoscaling = (kind: Kind) => set(cluster(kind, 'enableInTreeAutoscaling'), true);
const v2 = (kind: Kind) => all(autoscaling(kind), set(cluster(kind, 'autoscalerOptions'), { version: 'v2' }));

const CASES: Case[] = [
  { rule: 'kuberay/name-length', kind: 'RayService', fail: set(['metadata', 'name'], 'x'.repeat(48)), at: 'x'.repeat(48), pass: set(['metadata', 'name'], 'x'.repeat(47)) },
  { rule: 'kuberay/name-length', kind: 'RayCluster', fail: set(['metadata', 'name'], 'c'.repeat(54)), at: 'c'.repeat(54), pass: set(['metadata', 'name'], 'c'.repeat(53)) },
  { rule: 'kuberay/name-dns1035', kind: 'RayCluster', fail: set(['metadata', 'name'], '7b-cluster'), at: '7b-cluster', pass: set(['metadata', 'name'], 'cluster-7b') },
  { rule: 'kuberay/initializing-timeout', kind: 'RayService', fail: set(['metadata', 'annotations'], { 'ray.io/initializing-timeout': 'soon' }), at: 'soon', pass: set(['metadata', 'annotations'], { 'ray.io/initializing-timeout': '30m' }) },
  { rule: 'kuberay/initializing-timeout', kind: 'RayService', fail: set(['metadata', 'annotations'], { 'ray.io/initializing-timeout': '-60' }), at: '-60', pass: set(['metadata', 'annotations'], { 'ray.io/initializing-timeout': '600' }) },
  { rule: 'kuberay/upgrade-strategy-type', kind: 'RayService', fail: set(['spec', 'upgradeStrategy'], { type: 'BlueGreen' }), at: 'BlueGreen', pass: set(['spec', 'upgradeStrategy'], { type: 'NewCluster' }) },
  { rule: 'kuberay/upgrade-strategy-type', kind: 'RayCluster', fail: set(['spec', 'upgradeStrategy'], { type: 'RollingUpdate' }), at: 'RollingUpdate', pass: set(['spec', 'upgradeStrategy'], { type: 'Recreate' }) },
  { rule: 'kuberay/upgrade-strategy-owner', kind: 'RayCluster', fail: all(set(['metadata', 'labels'], { 'ray.io/originated-from-crd': 'RayService' }), set(['spec', 'upgradeStrategy'], { type: 'Recreate' })), at: 'upgradeStrategy:', pass: set(['spec', 'upgradeStrategy'], { type: 'Recreate' }) },
  { rule: 'kuberay/head-containers', kind: 'RayCluster', fail: set(headContainer('RayCluster').slice(0, -1), []), at: 'containers: []', pass: () => undefined },
  { rule: 'kuberay/worker-containers', kind: 'RayCluster', fail: set(worker('RayCluster', 'template', 'spec', 'containers'), []), at: 'containers: []', pass: () => undefined },
  { rule: 'kuberay/worker-replicas-negative', kind: 'RayCluster', fail: set(worker('RayCluster', 'minReplicas'), -1), at: 'minReplicas: -1', pass: set(worker('RayCluster', 'minReplicas'), 0) },
  { rule: 'kuberay/worker-min-above-max', kind: 'RayService', fail: set(worker('RayService', 'minReplicas'), 3), at: 'minReplicas: 3', pass: set(worker('RayService', 'maxReplicas'), 3) },
  { rule: 'kuberay/group-resources-conflict', kind: 'RayCluster', fail: all(set(worker('RayCluster', 'rayStartParams'), { 'num-gpus': '1' }), set(worker('RayCluster', 'resources'), { GPU: '1' })), at: 'resources:', pass: set(worker('RayCluster', 'resources'), { GPU: '1' }) },
  { rule: 'kuberay/group-labels', kind: 'RayCluster', fail: set(worker('RayCluster', 'labels'), { 'zone!': 'us-east-1a' }), at: 'zone!', pass: set(worker('RayCluster', 'labels'), { 'ray.io/zone': 'us-east-1a' }) },
  { rule: 'kuberay/group-labels', kind: 'RayCluster', fail: set(cluster('RayCluster', 'headGroupSpec', 'rayStartParams'), { labels: 'a=b' }), at: 'labels: a=b', pass: set(cluster('RayCluster', 'headGroupSpec', 'labels'), { a: 'b' }) },
  { rule: 'kuberay/worker-idle-timeout', kind: 'RayCluster', fail: set(worker('RayCluster', 'idleTimeoutSeconds'), 60), at: 'idleTimeoutSeconds: 60', pass: all(set(worker('RayCluster', 'idleTimeoutSeconds'), 60), v2('RayCluster')) },
  { rule: 'kuberay/worker-priority', kind: 'RayCluster', fail: all(set(worker('RayCluster', 'priority'), 5), v2('RayCluster')), at: 'priority: 5', pass: all(set(worker('RayCluster', 'priority'), 5), v2('RayCluster'), set(cluster('RayCluster', 'rayVersion'), '2.56.0')) },
  { rule: 'kuberay/gcs-ft-annotation', kind: 'RayService', fail: all(set(['metadata', 'annotations'], { 'ray.io/ft-enabled': 'true' }), set(cluster('RayService', 'gcsFaultToleranceOptions'), { redisAddress: 'redis:6379' })), at: 'gcsFaultToleranceOptions:', pass: set(cluster('RayService', 'gcsFaultToleranceOptions'), { redisAddress: 'redis:6379' }) },
  { rule: 'kuberay/gcs-ft-redis-env', kind: 'RayCluster', fail: set(headContainer('RayCluster', 'env'), [{ name: 'RAY_REDIS_ADDRESS', value: 'redis:6379' }]), at: 'name: RAY_REDIS_ADDRESS', pass: set(cluster('RayCluster', 'gcsFaultToleranceOptions'), { redisAddress: 'redis:6379' }) },
  { rule: 'kuberay/gcs-ft-backend', kind: 'RayCluster', fail: set(cluster('RayCluster', 'gcsFaultToleranceOptions'), { redisAddress: 'redis:6379', storage: { size: '10Gi' } }), at: 'storage:', pass: set(cluster('RayCluster', 'gcsFaultToleranceOptions'), { redisAddress: 'redis:6379' }) },
  { rule: 'kuberay/gcs-ft-backend', kind: 'RayCluster', fail: set(cluster('RayCluster', 'gcsFaultToleranceOptions'), { backend: 'rocksdb', redisAddress: 'redis:6379' }), at: 'redisAddress:', pass: set(cluster('RayCluster', 'gcsFaultToleranceOptions'), { backend: 'rocksdb' }), gates: { GCSFaultToleranceEmbeddedStorage: true } },
  { rule: 'kuberay/redis-username', kind: 'RayCluster', fail: set(headContainer('RayCluster', 'env'), [{ name: 'REDIS_USERNAME', value: 'ray' }]), at: 'name: REDIS_USERNAME', pass: set(cluster('RayCluster', 'gcsFaultToleranceOptions'), { redisAddress: 'redis:6379', redisUsername: { value: 'ray' } }) },
  { rule: 'kuberay/worker-suspend', kind: 'RayCluster', fail: all(set(worker('RayCluster', 'suspend'), true), autoscaling('RayCluster')), at: 'suspend: true', pass: set(worker('RayCluster', 'suspend'), true) },
  { rule: 'kuberay/autoscaler-v2-env', kind: 'RayCluster', fail: set(headContainer('RayCluster', 'env'), [{ name: 'RAY_enable_autoscaler_v2', value: 'true' }]), at: 'value: "true"', pass: all(set(headContainer('RayCluster', 'env'), [{ name: 'RAY_enable_autoscaler_v2', value: 'true' }]), autoscaling('RayCluster')) },
  { rule: 'kuberay/autoscaler-v2-restart-policy', kind: 'RayCluster', fail: all(v2('RayCluster'), set(cluster('RayCluster', 'headGroupSpec', 'template', 'spec', 'restartPolicy'), 'Always')), at: 'restartPolicy: Always', pass: all(v2('RayCluster'), set(cluster('RayCluster', 'headGroupSpec', 'template', 'spec', 'restartPolicy'), 'Never')) },
  { rule: 'kuberay/autoscaler-idle-timeout', kind: 'RayCluster', fail: set(cluster('RayCluster', 'autoscalerOptions'), { idleTimeoutSeconds: -5 }), at: 'idleTimeoutSeconds: -5', pass: set(cluster('RayCluster', 'autoscalerOptions'), { idleTimeoutSeconds: 60 }) },
  { rule: 'kuberay/autoscaler-start-cmd-env', kind: 'RayCluster', fail: set(cluster('RayCluster', 'autoscalerOptions'), { env: [{ name: 'KUBERAY_GEN_AUTOSCALER_START_CMD', value: 'x' }] }), at: 'name: KUBERAY_GEN_AUTOSCALER_START_CMD', pass: set(cluster('RayCluster', 'autoscalerOptions'), { env: [{ name: 'AUTOSCALER_LOG', value: 'x' }] }) },
  { rule: 'kuberay/history-server', kind: 'RayCluster', fail: set(cluster('RayCluster', 'historyServerOptions'), { collectorOptions: { image: 'collector:1', env: [{ name: 'STORAGE_BACKEND', value: 'S3' }] } }), at: 'collectorOptions:', pass: set(cluster('RayCluster', 'historyServerOptions'), { collectorOptions: { image: 'collector:1', env: [{ name: 'STORAGE_BACKEND', value: 'S3' }, { name: 'S3_REGION', value: 'us-east-1' }] } }), gates: { RayClusterHistoryServer: true } },
  { rule: 'kuberay/history-server', kind: 'RayCluster', fail: set(cluster('RayCluster', 'historyServerOptions'), { collectorOptions: { image: 'collector:1' } }), at: 'historyServerOptions:', pass: () => undefined },
  { rule: 'kuberay/auth-ray-version', kind: 'RayCluster', fail: all(set(cluster('RayCluster', 'authOptions'), { mode: 'token' }), set(cluster('RayCluster', 'rayVersion'), '2.46.0')), at: 'rayVersion: 2.46.0', pass: set(cluster('RayCluster', 'authOptions'), { mode: 'token' }) },
  { rule: 'kuberay/auth-k8s-token', kind: 'RayCluster', fail: set(cluster('RayCluster', 'authOptions'), { enableK8sTokenAuth: true }), at: 'enableK8sTokenAuth: true', pass: all(set(cluster('RayCluster', 'authOptions'), { mode: 'token', enableK8sTokenAuth: true }), set(cluster('RayCluster', 'rayVersion'), '2.55.0')) },
  { rule: 'kuberay/network-policy', kind: 'RayCluster', fail: set(cluster('RayCluster', 'networkPolicy'), { mode: 'DenyAllIngress', head: { egressRules: [{ to: [{ podSelector: {} }] }] } }), at: 'egressRules:', pass: set(cluster('RayCluster', 'networkPolicy'), { mode: 'DenyAll', head: { egressRules: [{ to: [{ podSelector: {} }] }] } }), gates: { RayClusterNetworkPolicy: true } },
  { rule: 'kuberay/network-policy', kind: 'RayCluster', fail: set(cluster('RayCluster', 'networkPolicy'), { mode: 'DenyAll' }), at: 'networkPolicy:', pass: () => undefined },
  { rule: 'kuberay/tls-options', kind: 'RayCluster', fail: all(set(cluster('RayCluster', 'tlsOptions'), { enabled: true }), set(headContainer('RayCluster', 'env'), [{ name: 'RAY_USE_TLS', value: '1' }])), at: 'name: RAY_USE_TLS', pass: set(cluster('RayCluster', 'tlsOptions'), { enabled: true }), gates: { RayClusterMTLS: true } },
  { rule: 'kuberay/k8s-token-auth-unsupported', kind: 'RayService', fail: all(set(cluster('RayService', 'authOptions'), { mode: 'token', enableK8sTokenAuth: true }), set(cluster('RayService', 'rayVersion'), '2.55.0')), at: 'enableK8sTokenAuth: true', pass: set(cluster('RayService', 'authOptions'), { mode: 'token' }) },
  { rule: 'kuberay/head-service-name', kind: 'RayService', fail: set(cluster('RayService', 'headGroupSpec', 'headService'), { metadata: { name: 'my-head' } }), at: 'name: my-head', pass: set(cluster('RayService', 'headGroupSpec', 'headService'), { metadata: { labels: { team: 'llm' } } }) },
  { rule: 'kuberay/cluster-deletion-delay', kind: 'RayService', fail: set(['spec', 'rayClusterDeletionDelaySeconds'], -1), at: 'rayClusterDeletionDelaySeconds: -1', pass: set(['spec', 'rayClusterDeletionDelaySeconds'], 30) },
  { rule: 'kuberay/incremental-upgrade-options', kind: 'RayService', fail: all(autoscaling('RayService'), set(['spec', 'upgradeStrategy'], { type: 'NewClusterWithIncrementalUpgrade', clusterUpgradeOptions: { maxSurgePercent: 20, stepSizePercent: 40, intervalSeconds: 30, gatewayClassName: 'istio' } })), at: 'stepSizePercent: 40', pass: all(autoscaling('RayService'), set(['spec', 'upgradeStrategy'], { type: 'NewClusterWithIncrementalUpgrade', clusterUpgradeOptions: { maxSurgePercent: 40, stepSizePercent: 20, intervalSeconds: 30, gatewayClassName: 'istio' } })) },
  { rule: 'kuberay/incremental-upgrade-options', kind: 'RayService', fail: set(['spec', 'upgradeStrategy'], { type: 'NewClusterWithIncrementalUpgrade', clusterUpgradeOptions: { stepSizePercent: 20, intervalSeconds: 30, gatewayClassName: 'istio' } }), at: 'type: NewClusterWithIncrementalUpgrade', pass: all(autoscaling('RayService'), set(['spec', 'upgradeStrategy'], { type: 'NewClusterWithIncrementalUpgrade', clusterUpgradeOptions: { stepSizePercent: 20, intervalSeconds: 30, gatewayClassName: 'istio' } })) },
  { rule: 'kuberay/serve-config-yaml', kind: 'RayService', fail: set(['spec', 'serveConfigV2'], 'applications: [llms\n'), at: 'serveConfigV2:', pass: set(['spec', 'serveConfigV2'], 'applications: [llms]\n') },
  { rule: 'kuberay/rayjob-suspend', kind: 'RayJob', fail: all(set(['spec', 'suspend'], true), set(['spec', 'shutdownAfterJobFinishes'], false)), at: 'suspend: true', pass: set(['spec', 'suspend'], true) },
  { rule: 'kuberay/rayjob-ttl', kind: 'RayJob', fail: all(set(['spec', 'ttlSecondsAfterFinished'], 60), set(['spec', 'shutdownAfterJobFinishes'], false)), at: 'ttlSecondsAfterFinished: 60', pass: set(['spec', 'ttlSecondsAfterFinished'], 60) },
  { rule: 'kuberay/rayjob-deletion-strategy', kind: 'RayJob', fail: set(['spec', 'deletionStrategy'], { deletionRules: [{ policy: 'DeleteCluster', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 30 } }] }), at: 'deletionRules:', pass: all(set(['spec', 'shutdownAfterJobFinishes'], false), set(['spec', 'deletionStrategy'], { deletionRules: [{ policy: 'DeleteCluster', condition: { jobStatus: 'SUCCEEDED', ttlSeconds: 30 } }] })) },
  { rule: 'kuberay/rayjob-deletion-strategy', kind: 'RayJob', fail: all(set(['spec', 'shutdownAfterJobFinishes'], false), set(['spec', 'deletionStrategy'], { deletionRules: [{ policy: 'DeleteWorkers', condition: { jobStatus: 'FAILED', ttlSeconds: 60 } }, { policy: 'DeleteCluster', condition: { jobStatus: 'FAILED', ttlSeconds: 30 } }] })), at: 'deletionRules:', pass: all(set(['spec', 'shutdownAfterJobFinishes'], false), set(['spec', 'deletionStrategy'], { deletionRules: [{ policy: 'DeleteWorkers', condition: { jobStatus: 'FAILED', ttlSeconds: 30 } }, { policy: 'DeleteCluster', condition: { jobStatus: 'FAILED', ttlSeconds: 60 } }] })) },
  { rule: 'kuberay/rayjob-cluster-selector', kind: 'RayJob', fail: del(['spec', 'rayClusterSpec']), at: 'spec:', pass: all(del(['spec', 'rayClusterSpec']), set(['spec', 'clusterSelector'], { 'ray.io/cluster': 'shared-cluster' })) },
  { rule: 'kuberay/rayjob-interactive-backoff', kind: 'RayJob', fail: all(set(['spec', 'submissionMode'], 'InteractiveMode'), set(['spec', 'backoffLimit'], 2)), at: 'backoffLimit: 2', pass: all(set(['spec', 'submissionMode'], 'K8sJobMode'), set(['spec', 'backoffLimit'], 2)) },
  { rule: 'kuberay/rayjob-sidecar', kind: 'RayJob', fail: all(set(['spec', 'submissionMode'], 'SidecarMode'), set(['spec', 'submitterConfig'], { backoffLimit: 1 })), at: 'submitterConfig:', pass: set(['spec', 'submissionMode'], 'SidecarMode') },
  { rule: 'kuberay/rayjob-runtime-env-yaml', kind: 'RayJob', fail: set(['spec', 'runtimeEnvYAML'], 'pip: [requests\n'), at: 'runtimeEnvYAML:', pass: set(['spec', 'runtimeEnvYAML'], 'pip: [requests]\n') },
  { rule: 'kuberay/rayjob-deadlines', kind: 'RayJob', fail: set(['spec', 'activeDeadlineSeconds'], 0), at: 'activeDeadlineSeconds: 0', pass: set(['spec', 'activeDeadlineSeconds'], 600) },
];

let dir: string;
let registry: SchemaRegistry;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kuberay-rules-'));
  registry = SchemaRegistry.fromOptions({ crds: [CRDS] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(name: string, kind: Kind, edit: Edit): { file: string; text: string } {
  const doc = parseDocument(BASES[kind]);
  edit(doc);
  const text = doc.toString();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return { file, text };
}

async function validate(file: string, kind: Kind, gates?: Partial<KubeRayFeatureGates>) {
  const featureGates = { ...KUBERAY_FEATURE_GATE_DEFAULTS, ...gates };
  const result = await run([file], { registry, checks: [kuberayCheck({ featureGates })], ignoreMissingSchemas: kind === 'RayJob' });
  const diagnostics = result.results.flatMap((r) => r.diagnostics);
  return { result, kuberay: diagnostics.filter((d) => d.code.startsWith('kuberay/')), schema: diagnostics.filter((d) => !d.code.startsWith('kuberay/')) };
}

describe('KubeRay v1.7.0 operator rules', () => {
  test('the three bases pass every rule', async () => {
    for (const kind of Object.keys(BASES) as Kind[]) {
      const { file } = fixture(`base-${kind}`, kind, () => undefined);
      const { kuberay, schema, result } = await validate(file, kind);
      expect(kuberay).toEqual([]);
      expect(schema).toEqual([]);
      expect(result.exitCode).toBe(0);
    }
  });

  test('every rule id has a failing fixture and a passing twin', () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(Object.keys(KUBERAY_RULES)));
  });

  test.each(CASES.map((c, index) => [`${c.rule} (${c.kind} #${index})`, c] as const))('%s: the fixture fails at the field, its twin passes', async (_name, c) => {
    const index = CASES.indexOf(c);
    const failing = fixture(`fail-${index}`, c.kind, c.fail);
    const { kuberay, result } = await validate(failing.file, c.kind, c.gates);
    const line = failing.text.split('\n').findIndex((text) => text.includes(c.at)) + 1;
    expect(line, `needle ${c.at} in\n${failing.text}`).toBeGreaterThan(0);
    const hits = kuberay.filter((d) => d.code === c.rule);
    expect(hits.map((d) => d.location.line), JSON.stringify(kuberay)).toContain(line);
    expect(hits[0]!.message).toContain(`[${c.rule}]`);
    expect(result.exitCode).toBe(1);

    const passing = fixture(`pass-${index}`, c.kind, c.pass);
    const twin = await validate(passing.file, c.kind, c.gates);
    expect(twin.kuberay, passing.text).toEqual([]);
  });

  test('the upstream KubeRay samples break no operator rule', async () => {
    const samples = readdirSync(`${REFERENCE}kuberay`).filter((name) => name.endsWith('.yaml')).map((name) => `${REFERENCE}kuberay/${name}`);
    const result = await run(samples, { registry, checks: [kuberayCheck()] });
    const kuberay = result.results.flatMap((r) => r.diagnostics).filter((d) => d.code.startsWith('kuberay/'));
    expect(kuberay).toEqual([]);
    expect(result.summary.resources).toBeGreaterThanOrEqual(samples.length);
  });

  test('a rule is switched off by id, by short name, by the kuberay prefix, per file and per resource', async () => {
    const failing = fixture('disable', 'RayService', set(['spec', 'upgradeStrategy'], { type: 'BlueGreen' }));
    const codes = async (options: { disabledRules?: string[]; file?: string }) => {
      const disabled = options.disabledRules ? { disabledRules: options.disabledRules } : {};
      const result = await run([options.file ?? failing.file], { registry, checks: [kuberayCheck()], ...disabled });
      return result.results.flatMap((r) => r.diagnostics).map((d) => d.code);
    };
    expect(await codes({})).toEqual(['kuberay/upgrade-strategy-type']);
    for (const entry of ['kuberay/upgrade-strategy-type', 'upgrade-strategy-type', 'kuberay']) expect(await codes({ disabledRules: [entry] })).toEqual([]);
    const perFile = join(dir, 'disable-file.yaml');
    writeFileSync(perFile, `# ray-gitops:disable kuberay/upgrade-strategy-type\n${failing.text}`);
    expect(await codes({ file: perFile })).toEqual([]);
    const annotate = set(['metadata', 'annotations'], { 'ray-gitops.io/disable-rules': 'kuberay/upgrade-strategy-type' });
    const annotated = fixture('disable-annotation', 'RayService', all(set(['spec', 'upgradeStrategy'], { type: 'BlueGreen' }), annotate));
    expect(await codes({ file: annotated.file })).toEqual([]);
  });

  test('--kuberay-feature-gates reads the operator syntax and names the gates on a typo', () => {
    expect(parseFeatureGates('RayClusterMTLS=true, RayJobDeletionPolicy=false')).toMatchObject({ RayClusterMTLS: true, RayJobDeletionPolicy: false, RayServiceIncrementalUpgrade: true });
    expect(() => parseFeatureGates('RayClusterMtls=true')).toThrow(/not Gate=true\|false with a KubeRay v1.7.0 gate \(RayClusterStatusConditions/);
  });
});
