/**
 * The contract between the renderer and serve/: the serveConfigV2 of every RayService kro would create
 * from the rendered RGD and instances has ONE Serve application, serve/'s `ray_gitops_serve.app:build_app`,
 * whose `args` validate against serve/config.schema.json (ajv, draft 2020-12) and are accepted by serve's
 * own parser (`python3 -m ray_gitops_serve.check_config -`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { entry, IMAGE, REPO_ROOT, SETTINGS, VERSIONS } from './helpers.js';
import { checkCatalog } from '../../src/catalog/check-catalog.js';
import { GPU_TYPES } from '../../src/catalog/gpu-types.js';
import type { ModelEntry } from '../../src/catalog/model-entry.js';
import { applyDefaults, expandResourceGraph, instanceCrd, type RgdResource } from '../../src/kro/index.js';
import {
  llmServiceSimpleSchema,
  parseImageRef,
  RAY_ACCELERATOR_TYPES,
  renderTree,
  RGD_PATH,
  SERVE_APP,
  WEIGHTS_MOUNT_PATH,
} from '../../src/render/index.js';
import { sourceIdentity, type StagedRecord as StagedModel } from '../../src/staged/index.js';

const SERVE_DIR = join(REPO_ROOT, 'serve');
const SERVE_SCHEMA = JSON.parse(readFileSync(join(SERVE_DIR, 'config.schema.json'), 'utf8')) as Record<string, any>;
const EXAMPLE_CATALOG = join(REPO_ROOT, 'gitops', 'models');
const BUCKET = 's3://ray-gitops-models/models';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateArgs = ajv.compile(SERVE_SCHEMA);

interface Case {
  readonly title: string;
  readonly entry: ModelEntry;
  readonly staged: StagedModel;
}

function stagedFor(model: ModelEntry, index: number): StagedModel {
  const commit = String(index).repeat(40).slice(0, 40);
  const [org, name] = model.source.kind === 'huggingface' ? model.source.repo.split('/') : ['url', model.name];
  const mistral = model.serving.engineArgs['tokenizer-mode'] === 'mistral';
  return {
    uri: `${BUCKET}/${org}/${name}/${commit}/`,
    commit,
    manifestUri: `${BUCKET}/.manifests/${org}/${name}/${commit}.json`,
    source: sourceIdentity(model.source),
    ...(mistral ? { format: 'mistral' as const } : {}),
  };
}

function withServing(model: ModelEntry, serving: Partial<ModelEntry['serving']>, name = model.name): ModelEntry {
  return { ...model, name, serving: { ...model.serving, ...serving } };
}

/** What kro would create for the rendered RGD and instance: the RayService's parsed serveConfigV2. */
function serveConfigOf(item: Case): any {
  const staged = new Map([[item.entry.name, item.staged]]);
  const tree = renderTree({ entries: [item.entry], image: parseImageRef(IMAGE), settings: SETTINGS, versions: VERSIONS, staged });
  // the bytes the tree holds, parsed back as Argo CD and kro would
  const fileText = (path: string) => tree.files.find((file) => file.path === path)!.content;
  const rgd = parse(fileText(RGD_PATH)) as { spec: { resources: RgdResource[] } };
  const instance = parse(fileText(tree.models[0]!.instancePath)) as Record<string, unknown>;
  const schema = instanceCrd(llmServiceSimpleSchema()).spec.versions[0]!.schema.openAPIV3Schema;
  const resources = expandResourceGraph(rgd.spec.resources, applyDefaults(schema, instance) as Record<string, unknown>);
  const rayServices = resources.filter((resource) => (resource.object as { kind?: string }).kind === 'RayService');
  expect(rayServices).toHaveLength(1);
  const serveConfigV2 = (rayServices[0]!.object as { spec: { serveConfigV2: string } }).spec.serveConfigV2;
  expect(typeof serveConfigV2).toBe('string');
  // KubeRay reads serveConfigV2 with go-yaml, which resolves `<<` merge keys
  return parse(serveConfigV2, { merge: true });
}

/** `python3 -m ray_gitops_serve.check_config -` with the args JSON on stdin (cwd serve/), as serve/README.md says. */
function checkConfig(args: unknown): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-m', 'ray_gitops_serve.check_config', '-'], {
      cwd: SERVE_DIR,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(JSON.stringify(args));
  });
}

async function contractCases(): Promise<{ examples: ModelEntry[]; cases: Case[] }> {
  const catalog = await checkCatalog(EXAMPLE_CATALOG);
  if (catalog.diagnostics.length > 0 || catalog.entries.length === 0) throw new Error(`the example catalog ${EXAMPLE_CATALOG} does not check cleanly`);
  const examples = catalog.entries.map((item) => item.entry);
  const cases: Case[] = [];
  let index = 1;
  for (const model of examples) {
    for (const storage of ['stream', 'mount'] as const) {
      const variant = withServing(model, { storage });
      cases.push({ title: `${model.name} (${storage})`, entry: variant, staged: stagedFor(variant, index++) });
    }
  }
  // a Mistral-native archive whatever the example catalog holds
  for (const storage of ['stream', 'mount'] as const) {
    const mistral = entry({
      name: `mistral-native-${storage}`,
      source: { kind: 'url', url: 'https://models.mistralcdn.com/mistral-7b-v0-3/mistral-7B-Instruct-v0.3.tar' },
      serving: { storage, gpu: { type: 'A10G', count: 1 }, maxModelLen: 32768, engineArgs: { 'tokenizer-mode': 'mistral', 'config-format': 'mistral' } },
    });
    cases.push({ title: `a Mistral-native archive (${storage})`, entry: mistral, staged: stagedFor(mistral, 9) });
  }
  // every GPU type of the table, so every accelerator_type the renderer can write is one serve accepts
  for (const gpu of GPU_TYPES) {
    const model = entry({ name: `gpu-${gpu.name.toLowerCase()}`, serving: { gpu: { type: gpu.name, count: 1 } } });
    cases.push({ title: `on ${gpu.name}`, entry: model, staged: stagedFor(model, 7) });
  }
  return { examples, cases };
}

const { examples, cases } = await contractCases();

describe('serve/ implements the application the RayService imports', () => {
  test(`${SERVE_APP.importPath} is a module and callable in serve/`, () => {
    const [module, attribute] = SERVE_APP.importPath.split(':') as [string, string];
    expect(existsSync(join(SERVE_DIR, ...module.split('.')) + '.py')).toBe(true);
    // the module imports Ray only inside functions, so it imports here without Ray
    const probe = spawnSync('python3', ['-c', `import importlib, sys; m = importlib.import_module(${JSON.stringify(module)}); sys.exit(0 if callable(getattr(m, ${JSON.stringify(attribute)}, None)) else 3)`], {
      cwd: SERVE_DIR,
      encoding: 'utf8',
    });
    expect(probe.stderr).toBe('');
    expect(probe.status).toBe(0);
  });

  test("every GPU type maps to an accelerator_type in serve's schema", () => {
    const allowed = SERVE_SCHEMA.$defs.llm_config.properties.accelerator_type.enum as string[];
    expect(Object.keys(RAY_ACCELERATOR_TYPES).sort()).toEqual(GPU_TYPES.map((gpu) => gpu.name).sort());
    for (const ray of Object.values(RAY_ACCELERATOR_TYPES)) expect(allowed).toContain(ray);
    expect(RAY_ACCELERATOR_TYPES['A100-80GB']).toBe('A100');
  });
});

describe.concurrent('the serveConfigV2 of every rendered RayService is accepted by serve/', () => {
  test('covers every example model in both storage modes, a Mistral-native archive and every GPU type', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(cases.map((item) => item.title)).toEqual(expect.arrayContaining([expect.stringMatching(/\(stream\)$/), expect.stringMatching(/\(mount\)$/)]));
    expect(cases.filter((item) => item.staged.format === 'mistral').length).toBeGreaterThanOrEqual(2);
    expect(cases.length).toBe(examples.length * 2 + 2 + GPU_TYPES.length);
  });

  test.each(cases.map((item) => [item.title, item] as const))('%s', async (_title, item) => {
    const config = serveConfigOf(item);
    const mount = item.entry.serving.storage === 'mount';
    const mistral = item.staged.format === 'mistral';

    // one application: one engine on the GPUs, serving /v1 and /generate
    expect(config.applications).toHaveLength(1);
    const [app] = config.applications;
    expect({ name: app.name, route_prefix: app.route_prefix, import_path: app.import_path }).toEqual({
      name: SERVE_APP.name,
      route_prefix: '/',
      import_path: 'ray_gitops_serve.app:build_app',
    });
    const { args } = app;

    // (a) the args validate against serve/config.schema.json
    const valid = validateArgs(args);
    expect(valid ? [] : ajv.errorsText(validateArgs.errors, { separator: '\n' }).split('\n')).toEqual([]);

    // what the renderer means, field by field
    const llm = args.llm_configs[0];
    const source = mount ? WEIGHTS_MOUNT_PATH : item.staged.uri;
    expect(llm.model_loading_config).toEqual({ model_id: item.entry.name, model_source: source });
    expect(llm.engine_kwargs.max_model_len).toBe(item.entry.serving.maxModelLen);
    expect(llm.engine_kwargs.tensor_parallel_size).toBe(item.entry.serving.gpu.count);
    expect(llm.engine_kwargs.load_format).toBe(mount ? (mistral ? 'mistral' : 'safetensors') : 'runai_streamer');
    if (mistral) expect(llm.engine_kwargs).toMatchObject({ tokenizer_mode: 'mistral', config_format: 'mistral' });
    for (const [key, value] of Object.entries(item.entry.serving.engineArgs)) expect(llm.engine_kwargs[key.replace(/-/g, '_')], key).toEqual(value);
    expect(llm.accelerator_type).toBe(RAY_ACCELERATOR_TYPES[item.entry.serving.gpu.type]);
    const { replicas } = item.entry.serving;
    expect(llm.deployment_config.autoscaling_config).toMatchObject({ min_replicas: replicas.min, max_replicas: replicas.max });
    expect(args.generate).toMatchObject({ enabled: true, route: '/generate' });

    // (b) serve's own parser accepts them and reads the same model
    const checked = await checkConfig(args);
    expect({ status: checked.status, stderr: checked.stderr }).toEqual({ status: 0, stderr: '' });
    const parsed = JSON.parse(checked.stdout);
    const { model_id, model_source, tensor_parallel_size, max_model_len } = parsed;
    expect({ model_id, model_source, tensor_parallel_size, max_model_len }).toEqual({
      model_id: item.entry.name,
      model_source: source,
      tensor_parallel_size: item.entry.serving.gpu.count,
      max_model_len: item.entry.serving.maxModelLen,
    });
    expect(parsed.source_kind).toBe(mount ? 'path' : 's3');
    expect(parsed.generate.route).toBe('/generate');
  });

  test('the checker refuses what the contract forbids (so the tests above can fail)', async () => {
    const config = serveConfigOf(cases[0]!);
    const args = config.applications[0].args;
    const broken = structuredClone(args);
    delete broken.llm_configs[0].engine_kwargs.load_format;
    broken.llm_configs[0].accelerator_type = 'A100-80GB';
    expect(validateArgs(broken)).toBe(false);
    const checked = await checkConfig(broken);
    expect(checked.status).toBe(1);
    expect(checked.stderr).toMatch(/accelerator_type/);
    expect(checked.stderr).toMatch(/load_format/);
  });
});
