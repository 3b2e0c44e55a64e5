// Rendering and schema-checking 1,000 catalog entries: `npx vitest bench --run bench/render.bench.ts`.
// Target: under 3 s on 2 cores, cost linear in the number of entries.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { stringify } from 'yaml';
import {
  GPU_TYPES,
  instanceCrd,
  llmServiceSimpleSchema,
  parseImageRef,
  parseRenderSettings,
  parseRuntimeVersions,
  renderTree,
  SchemaRegistry,
  validateManifests,
  writeRenderedFiles,
  type ModelEntry,
  type StagedRecord,
} from '../packages/core/src/index.js';

/** ../shared/crds beside the repository; benchmarks run from the repository root. */
const CRDS = join(process.cwd(), '..', 'shared', 'crds');
/** 250 and 1,000 entries: the ratio of the two shows the cost is linear. */
const SIZES = [250, 1000];

const image = parseImageRef(`123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`);
const settings = parseRenderSettings({ repoURL: 'https://github.com/example-org/ray-gitops.git' });
const versions = parseRuntimeVersions({ ray: '2.52.0', vllm: '0.11.0', python: '3.11', cuda: '12.8', baseImage: 'rayproject/ray-llm:2.52.0-py311-cu128' });

function catalog(count: number): { entries: ModelEntry[]; staged: Map<string, StagedRecord> } {
  const entries: ModelEntry[] = [];
  const staged = new Map<string, StagedRecord>();
  for (let index = 0; index < count; index += 1) {
    const name = `model-${String(index).padStart(4, '0')}`;
    const gpu = GPU_TYPES[index % GPU_TYPES.length]!;
    entries.push({
      name,
      source: { kind: 'huggingface', repo: `org/${name}`, revision: 'main' },
      serving: {
        maxModelLen: 8192,
        gpu: { type: gpu.name, count: 2 ** (index % 4) },
        replicas: { min: index % 3, max: 2 + (index % 3) },
        storage: index % 2 === 0 ? 'stream' : 'mount',
        upgrade: 'new-cluster',
        engineArgs: { 'enable-prefix-caching': true, 'max-num-seqs': 128 },
      },
    });
    const commit = index.toString(16).padStart(40, '0');
    staged.set(name, { uri: `s3://models-bucket/models/org/${name}/${commit}/`, commit, manifestUri: `s3://models-bucket/models/.manifests/org/${name}/${commit}.json`, source: `huggingface:org/${name}@main` });
  }
  return { entries, staged };
}

const { entries: all, staged } = catalog(Math.max(...SIZES));

/**
 * Compiling the CRDs' JSON Schemas (ApplicationSet's is 1.4 MB) is a one-time cost per process, not per
 * entry: it is paid here, in the warm-up iteration, and printed; the timed iterations reuse the registry.
 */
async function prepare(): Promise<{ crds: string[]; registry: SchemaRegistry }> {
  const crdDir = await mkdtemp(join(tmpdir(), 'bench-crd-'));
  await writeFile(join(crdDir, 'llmservices.yaml'), stringify(instanceCrd(llmServiceSimpleSchema())));
  const crds = [CRDS, crdDir];
  const registry = SchemaRegistry.fromOptions({ crds, strict: true });
  const warm = await mkdtemp(join(tmpdir(), 'bench-warm-'));
  await writeRenderedFiles(warm, renderTree({ entries: all.slice(0, 1), image, settings, versions, staged }).files);
  const start = performance.now();
  await validateManifests({ paths: [warm], crds, registry, strict: true });
  console.log(`one-time schema compile (Application, ApplicationSet, RGD, LLMService, core kinds): ${(performance.now() - start).toFixed(0)} ms`);
  return { crds, registry };
}
let prepared: ReturnType<typeof prepare> | undefined;

for (const size of SIZES) {
  const entries = all.slice(0, size);
  describe(`${size} catalog entries`, () => {
    bench('render (pure: entries → files)', () => {
      renderTree({ entries, image, settings, versions, staged });
    });

    bench(
      'render + write + schema-check every file (strict, real CRDs)',
      async () => {
        const { crds, registry } = await (prepared ??= prepare());
        const out = await mkdtemp(join(tmpdir(), 'bench-render-'));
        const tree = renderTree({ entries, image, settings, versions, staged });
        await writeRenderedFiles(out, tree.files);
        const summary = await validateManifests({ paths: [out], crds, registry, strict: true });
        if (!summary.ok || summary.valid !== tree.files.length) throw new Error(`schema check failed: ${JSON.stringify(summary)}`);
        await rm(out, { recursive: true, force: true });
      },
      { iterations: 5, time: 0, warmupIterations: 1 },
    );
  });
}
