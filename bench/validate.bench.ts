import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bench, describe, expect } from 'vitest';
import { SchemaRegistry, validateManifests, type ResultReporter } from '../packages/core/src/validate/index.js';

/**
 * 10,000 resources (5,000 Deployments, 2,500 KubeRay RayServices, 2,500 kro RGDs) in 2,000 files of
 * five documents, validated against the real CRDs and the bundled core schemas. Prints resources/s
 * and the largest heap seen while results stream (it stays flat: one file's results at a time).
 */
// run from the repository root (npx vitest bench), with ../shared beside it
const SHARED = resolve(process.cwd(), '../shared');
const CRDS = join(SHARED, 'crds');
const RESOURCES = 10_000;
const PER_FILE = 5;

const rayService = readFileSync(join(SHARED, 'reference/kuberay/ray-service.sample.yaml'), 'utf8');
const rgd = readFileSync(join(SHARED, 'reference/kro/kubernetes-webapp.rgd.yaml'), 'utf8');
const deployment = (name: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    '  namespace: llm',
    '  labels: {app.kubernetes.io/name: vllm}',
    'spec:',
    '  replicas: 2',
    '  selector:',
    `    matchLabels: {app: ${name}}`,
    '  template:',
    '    metadata:',
    `      labels: {app: ${name}}`,
    '    spec:',
    '      serviceAccountName: model-reader',
    '      containers:',
    '      - name: vllm',
    `        image: 123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'0'.repeat(64)}`,
    '        ports: [{containerPort: 8000, name: http}]',
    '        resources:',
    '          limits: {cpu: "8", memory: 48Gi, nvidia.com/gpu: 1}',
    '          requests: {cpu: "4", memory: 32Gi, nvidia.com/gpu: 1}',
    '        volumeMounts: [{name: models, mountPath: /models, readOnly: true}]',
    '      volumes: [{name: models, emptyDir: {}}]',
    '',
  ].join('\n');

function generate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-validate-'));
  for (let file = 0; file < RESOURCES / PER_FILE; file += 1) {
    const shard = join(dir, `shard-${String(file % 20).padStart(2, '0')}`);
    mkdirSync(shard, { recursive: true });
    const documents: string[] = [];
    for (let doc = 0; doc < PER_FILE; doc += 1) {
      const index = file * PER_FILE + doc;
      const name = `m${index}`;
      if (index % 4 === 0) documents.push(rayService.replace('name: rayservice-sample', `name: ${name}`));
      else if (index % 4 === 1) documents.push(rgd.replace('name: webapp.kro.run', `name: ${name}.kro.run`));
      else documents.push(deployment(name));
    }
    writeFileSync(join(shard, `f${String(file).padStart(4, '0')}.yaml`), documents.join('\n---\n'));
  }
  return dir;
}

const dir = generate();

async function validateAll(registry: SchemaRegistry, label: string): Promise<void> {
  let maxHeap = 0;
  let seen = 0;
  const probe: ResultReporter = {
    write: () => {
      seen += 1;
      if (seen % 500 === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
    },
    flush: () => undefined,
  };
  const started = performance.now();
  const summary = await validateManifests({ paths: [dir], registry, reporters: [probe] });
  const seconds = (performance.now() - started) / 1000;
  expect(summary).toMatchObject({ resources: RESOURCES, valid: RESOURCES });
  console.log(
    `${label}: ${RESOURCES} resources in ${summary.files} files, ${seconds.toFixed(2)} s, ` +
      `${Math.round(RESOURCES / seconds)} resources/s, max heap ${(maxHeap / 2 ** 20).toFixed(0)} MiB`,
  );
}

describe('validate', () => {
  bench(
    '10,000 resources, cold (CRDs parsed and compiled in the run)',
    async () => validateAll(SchemaRegistry.fromOptions({ crds: [CRDS] }), 'cold'),
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
  const warm = SchemaRegistry.fromOptions({ crds: [CRDS] });
  bench('10,000 resources, warm (schemas already compiled)', async () => validateAll(warm, 'warm'), {
    iterations: 2,
    warmupIterations: 1,
    time: 0,
    warmupTime: 0,
  });
});
