import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ModelEntry } from '../../src/catalog/model-entry.js';
import { instanceCrd } from '../../src/kro/index.js';
import { llmServiceSimpleSchema, parseRenderSettings, parseRuntimeVersions, type RenderSettings, type RuntimeVersions } from '../../src/render/index.js';
import { SchemaRegistry, validateManifests, type ResultReporter, type ValidationResult, type ValidationSummary } from '../../src/validate/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CRDS = fileURLToPath(new URL('../../../../../shared/crds/', import.meta.url));
export const EXAMPLE_CATALOG = join(REPO_ROOT, 'gitops', 'models');
export const VERSIONS_FILE = join(REPO_ROOT, 'docker', 'versions.json');

export const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`;
export const OTHER_IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'cd'.repeat(32)}`;

export const SETTINGS: RenderSettings = parseRenderSettings({ repoURL: 'https://github.com/example-org/ray-gitops.git' });
export const VERSIONS: RuntimeVersions = parseRuntimeVersions({ ray: '2.52.0', vllm: '0.11.0', python: '3.11', cuda: '12.8', baseImage: 'rayproject/ray-llm:2.52.0-py311-cu128' });

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `ray-gitops-${prefix}-`));
}

/** An output directory with render settings, and a copy of the example catalog beside it. */
export async function workspace(): Promise<{ root: string; out: string; catalog: string }> {
  const root = await tempDir('render');
  const out = join(root, 'gitops');
  const catalog = join(out, 'models');
  await mkdir(out, { recursive: true });
  await cp(EXAMPLE_CATALOG, catalog, { recursive: true });
  await writeFile(join(out, 'render-settings.yaml'), 'repoURL: https://github.com/example-org/ray-gitops.git\n');
  return { root, out, catalog };
}

/** Every file under a directory, path → content, for byte-for-byte comparisons. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (current: string, prefix: string) => {
    for (const item of await readdir(current, { withFileTypes: true })) {
      const path = join(current, item.name);
      if (item.isDirectory()) await walk(path, `${prefix}${item.name}/`);
      else files.set(`${prefix}${item.name}`, await readFile(path, 'utf8'));
    }
  };
  await walk(dir, '');
  return files;
}

export function entry(overrides: { name: string } & Partial<{ source: ModelEntry['source']; serving: Partial<ModelEntry['serving']> }>): ModelEntry {
  return {
    name: overrides.name,
    source: overrides.source ?? { kind: 'huggingface', repo: `org/${overrides.name}`, revision: 'main' },
    serving: {
      maxModelLen: 8192,
      gpu: { type: 'L4', count: 1 },
      replicas: { min: 1, max: 2 },
      storage: 'stream',
      upgrade: 'new-cluster',
      engineArgs: {},
      ...overrides.serving,
    },
  };
}

/** The CRD kro would create for LLMService instances, written where the validator can read it. */
export async function instanceCrdDir(): Promise<string> {
  const dir = await tempDir('crd');
  await writeFile(join(dir, 'llmservices.ray-gitops.io.yaml'), stringify(instanceCrd(llmServiceSimpleSchema())));
  return dir;
}

export interface Validation {
  readonly summary: ValidationSummary;
  readonly results: ValidationResult[];
  /** FILE:LINE:COL: message of every diagnostic */
  readonly problems: string[];
}

/** Compiled schemas are kept per set of CRDs for the whole test file: the Argo CD CRDs are large. */
const registries = new Map<string, SchemaRegistry>();

/** Validates paths against the real CRDs (and the generated LLMService CRD), strictly, with the validator's default checks. */
export async function validate(paths: string[], options: { extraCrds?: string[]; ignore?: string[] } = {}): Promise<Validation> {
  const results: ValidationResult[] = [];
  const collector: ResultReporter = { write: (result) => results.push(result), flush: () => undefined };
  const crds = [CRDS, ...(options.extraCrds ?? [])];
  const key = crds.join('\n');
  let registry = registries.get(key);
  if (!registry) registries.set(key, (registry = SchemaRegistry.fromOptions({ crds, strict: true })));
  const summary = await validateManifests({
    paths,
    crds,
    registry,
    strict: true,
    ignoreFilenamePatterns: options.ignore ?? ['render-settings\\.yaml$', '/models/'],
    reporters: [collector],
  });
  const problems = results.flatMap((result) => result.diagnostics.map((d) => `${d.location.file}:${d.location.line}:${d.location.column}: ${d.severity}: ${d.message}`));
  return { summary, results, problems };
}
