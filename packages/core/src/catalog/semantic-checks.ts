import { describeLimit, MODEL_NAME_LIMIT } from './derived-names.js';
import type { ModelNameLimit } from './derived-names.js';
import { closestMatch } from './did-you-mean.js';
import type { Finding } from './findings.js';
import { GPU_TYPES } from './gpu-types.js';
import type { GpuType } from './gpu-types.js';
import { listOr, quote } from './messages.js';
import { dnsLabelProblem, suggestDnsLabel } from './name-rules.js';
import { gitRefProblem, httpsUrlProblem, huggingFaceRepoProblem, redactUrl, s3UriProblem } from './reference-rules.js';
import { ENGINE_ARGS_VLLM_VERSION, OUTSIDE_ENGINE_ARGS, SECRET_ENGINE_ARGS, VLLM_ENGINE_ARGS } from './vllm-engine-args.js';

/** What the checks need to know beyond the data itself. */
export interface SemanticContext {
  /** the entry's file name, e.g. `qwen2-5-7b-instruct.yaml`; the name must equal it without the extension */
  readonly fileName: string;
  readonly gpuTypes?: readonly GpuType[];
  readonly nameLimit?: ModelNameLimit;
}

/** vLLM's tensor-parallel size on one node: a power of two up to this. */
export const MAX_TENSOR_PARALLEL = 8;

/** Engine arguments the renderer derives from the entry, and the field each comes from. */
export const RENDERER_ENGINE_ARGS: Readonly<Record<string, string>> = {
  'model': 'source',
  'served-model-name': 'name',
  'tensor-parallel-size': 'serving.gpu.count',
  'max-model-len': 'serving.maxModelLen',
  'load-format': 'serving.storage',
};

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/**
 * The rules JSON Schema cannot say, or cannot say clearly: name rules and length, name = file name,
 * repository and revision syntax, GPU table, replica order, engine argument names. Each check looks
 * only at values of the right type; the schema reports wrong types. When a check and the schema both
 * object to one place, the check's finding is kept (see mergeFindings).
 */
export function semanticFindings(data: Record<string, unknown>, context: SemanticContext): Finding[] {
  const source = child(data, 'source');
  const serving = child(data, 'serving');
  return [
    ...checkName(child(data, 'name'), context),
    ...checkHuggingFace(child(source, 'huggingface')),
    ...checkUrl(child(source, 'url')),
    ...checkS3(child(source, 's3')),
    ...checkGpu(child(serving, 'gpu'), context.gpuTypes ?? GPU_TYPES),
    ...checkReplicas(child(serving, 'replicas')),
    ...checkScaleToZero(child(serving, 'replicas'), child(serving, 'upgrade')),
    ...checkEngineArgs(child(serving, 'engineArgs'), child(serving, 'allowEngineArgs')),
    ...checkStaging(child(data, 'staging'), source),
  ];
}

/** In-cluster staging shards a Hub repository's files; a .tar URL is one stream and an s3: source needs no staging. */
function checkStaging(staging: unknown, source: unknown): Finding[] {
  const where = child(staging, 'where');
  const shards = child(staging, 'shards');
  if (where === 'cluster' && source !== null && typeof source === 'object' && child(source, 'huggingface') === undefined) {
    return [{
      code: 'catalog/cluster-staging-source',
      message: "staging.where 'cluster' stages a huggingface source only; stage a url source on the runner (remove staging), an s3 source needs no staging",
      path: ['staging', 'where'],
      at: 'value',
    }];
  }
  if (where !== 'cluster' && typeof shards === 'number' && shards > 1) {
    return [{
      code: 'catalog/shards-need-cluster',
      message: `staging.shards ${shards} splits the work over pods of an in-cluster Job; add 'where: cluster', or remove shards to stage on the runner`,
      path: ['staging', 'shards'],
      at: 'value',
    }];
  }
  return [];
}

/** Findings from the checks first, then schema findings for places no check has spoken about. */
export function mergeFindings(preferred: readonly Finding[], fallback: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  const merged: Finding[] = [];
  for (const finding of [...preferred, ...fallback]) {
    const key = `${finding.at}:${JSON.stringify(finding.path)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(finding);
  }
  return merged;
}

function checkName(name: unknown, context: SemanticContext): Finding[] {
  if (typeof name !== 'string') return [];
  const at = { path: ['name'], at: 'value' } as const;
  const problem = dnsLabelProblem(name);
  if (problem !== undefined) {
    const suggestion = suggestDnsLabel(name);
    const example = suggestion === undefined ? '' : ` (for example ${quote(suggestion)})`;
    return [{
      ...at,
      code: 'catalog/invalid-name',
      message: `name ${quote(name)} is not a valid DNS-1035 label because it ${problem}; use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit${example}`,
    }];
  }
  const { limit, binding } = context.nameLimit ?? MODEL_NAME_LIMIT;
  if (name.length > limit) {
    return [{
      ...at,
      code: 'catalog/name-too-long',
      message: `name ${quote(name)} is ${name.length} characters long; shorten it to at most ${limit}, because ${describeLimit(binding)}`,
    }];
  }
  const extension = /\.ya?ml$/i.exec(context.fileName)?.[0] ?? '';
  const baseName = context.fileName.slice(0, context.fileName.length - extension.length);
  if (name !== baseName) {
    const rename = `rename the file to ${quote(name + (extension || '.yaml'))}`;
    const alternative = dnsLabelProblem(baseName) === undefined && baseName.length <= limit ? ` or set name to ${quote(baseName)}` : '';
    return [{
      ...at,
      code: 'catalog/name-mismatch',
      message: `name ${quote(name)} does not match the file name ${quote(context.fileName)}, and the catalog holds one <name>.yaml file per model; ${rename}${alternative}`,
    }];
  }
  return [];
}

function checkHuggingFace(huggingface: unknown): Finding[] {
  const findings: Finding[] = [];
  const repo = child(huggingface, 'repo');
  if (typeof repo === 'string') {
    const problem = huggingFaceRepoProblem(repo);
    if (problem !== undefined) {
      findings.push({
        code: 'catalog/invalid-hf-repo',
        message: `source.huggingface.repo ${quote(repo)} is not a Hub repository id because it ${problem}; write it as org/name, as in the model's Hub URL (for example 'Qwen/Qwen2.5-7B-Instruct')`,
        path: ['source', 'huggingface', 'repo'],
        at: 'value',
      });
    }
  }
  const revision = child(huggingface, 'revision');
  if (typeof revision === 'string') {
    const problem = gitRefProblem(revision);
    if (problem !== undefined) {
      findings.push({
        code: 'catalog/invalid-revision',
        message: `source.huggingface.revision ${quote(revision)} is not a valid branch or tag name because it ${problem}; use a branch, a tag or a 40-hex commit`,
        path: ['source', 'huggingface', 'revision'],
        at: 'value',
      });
    }
  }
  return findings;
}

function checkUrl(source: unknown): Finding[] {
  const url = child(source, 'url');
  if (typeof url !== 'string') return [];
  const problem = httpsUrlProblem(url);
  if (problem === undefined) return [];
  return [{
    code: 'catalog/invalid-url',
    message: `source.url.url ${quote(redactUrl(url))} ${problem}; use an https:// URL without credentials`,
    path: ['source', 'url', 'url'],
    at: 'value',
  }];
}

function checkS3(source: unknown): Finding[] {
  const uri = child(source, 'uri');
  if (typeof uri !== 'string') return [];
  const problem = s3UriProblem(uri);
  if (problem === undefined) return [];
  return [{
    code: 'catalog/invalid-s3-uri',
    message: `source.s3.uri ${quote(uri)} ${problem}; write it as s3://bucket/prefix/ (for example 's3://my-models/qwen/qwen2-5-7b-instruct/')`,
    path: ['source', 's3', 'uri'],
    at: 'value',
  }];
}

function checkGpu(gpu: unknown, gpuTypes: readonly GpuType[]): Finding[] {
  const findings: Finding[] = [];
  const type = child(gpu, 'type');
  const known = typeof type === 'string' ? gpuTypes.find((candidate) => candidate.name === type) : undefined;
  if (typeof type === 'string' && known === undefined) {
    const names = gpuTypes.map((candidate) => candidate.name);
    const suggestion = closestMatch(type, names);
    const hint = suggestion === undefined ? 'use one of the known types' : `did you mean ${quote(suggestion)}?`;
    findings.push({
      code: 'catalog/unknown-gpu-type',
      message: `serving.gpu.type ${quote(type)} is not a known GPU type; ${hint} (known: ${names.join(', ')})`,
      path: ['serving', 'gpu', 'type'],
      at: 'value',
    });
  }
  const count = child(gpu, 'count');
  if (typeof count === 'number' && Number.isInteger(count)) {
    const powers = powersOfTwoUpTo(MAX_TENSOR_PARALLEL);
    if (!powers.includes(count)) {
      findings.push({
        code: 'catalog/invalid-gpu-count',
        message: `serving.gpu.count is ${count}; use ${listOr(powers.map(String))}, because it is vLLM's tensor-parallel size, which must be a power of two that fits on one node`,
        path: ['serving', 'gpu', 'count'],
        at: 'value',
      });
    } else if (known !== undefined && count > known.maxPerNode) {
      findings.push({
        code: 'catalog/gpu-count-exceeds-node',
        message: `serving.gpu.count is ${count}, but one ${known.instanceFamilies.join('/')} node has at most ${known.maxPerNode} ${known.name} GPUs; use at most ${known.maxPerNode}, or a larger GPU type`,
        path: ['serving', 'gpu', 'count'],
        at: 'value',
      });
    }
  }
  return findings;
}

function checkReplicas(replicas: unknown): Finding[] {
  const min = child(replicas, 'min');
  const max = child(replicas, 'max');
  if (!Number.isInteger(min) || !Number.isInteger(max) || (min as number) <= (max as number)) return [];
  return [{
    code: 'catalog/replicas-order',
    message: `serving.replicas.min is ${min as number}, more than serving.replicas.max (${max as number}); lower min or raise max`,
    path: ['serving', 'replicas', 'min'],
    at: 'value',
  }];
}

/** The Ray in docker/versions.json; scale to zero is refused while it cannot work there (see checkScaleToZero). */
export const PINNED_RAY_FOR_SCALE_TO_ZERO = '2.52.0';

/**
 * `replicas.min: 0` is refused: with the pinned Ray (2.52.0), Ray Serve LLM never scales to zero
 * (ray-project/ray#59076: the OpenAI ingress calls every LLM server at start-up, which counts as an
 * ongoing request; fixed from Ray 2.56). After a KubeRay incremental upgrade Serve also keeps
 * target_capacity at 100 and never goes below its initial replicas (ray-project/ray#62682), so that
 * combination is named too.
 */
function checkScaleToZero(replicas: unknown, upgrade: unknown): Finding[] {
  if (child(replicas, 'min') !== 0) return [];
  const incremental = upgrade === 'incremental'
    ? '; an incremental upgrade would also pin it at its initial replicas (ray-project/ray#62682), so use upgrade: new-cluster with scale to zero once Ray allows it'
    : '';
  return [{
    code: 'catalog/scale-to-zero',
    message:
      `serving.replicas.min is 0, but Ray Serve LLM does not scale to zero on the pinned Ray ${PINNED_RAY_FOR_SCALE_TO_ZERO} (ray-project/ray#59076, fixed from Ray 2.56); ` +
      `set min to 1 or more${incremental}`,
    path: ['serving', 'replicas', 'min'],
    at: 'value',
  }];
}

function checkEngineArgs(engineArgs: unknown, allowEngineArgs: unknown): Finding[] {
  const allowed = Array.isArray(allowEngineArgs) ? allowEngineArgs.filter((key): key is string => typeof key === 'string') : [];
  const findings: Finding[] = checkAllowList(allowed);
  if (!isRecord(engineArgs)) return findings;
  for (const key of Object.keys(engineArgs)) {
    const path = ['serving', 'engineArgs', key];
    if (!KEBAB_CASE.test(key)) {
      const suggestion = toKebabCase(key);
      const hint = KEBAB_CASE.test(suggestion) ? `write it as ${quote(suggestion)}` : "write the vLLM flag name in kebab-case without '--'";
      findings.push({ code: 'catalog/engine-arg-name', message: `serving.engineArgs key ${quote(key)} is not a vLLM flag name in kebab-case; ${hint}`, path, at: 'key' });
    } else if (Object.hasOwn(RENDERER_ENGINE_ARGS, key)) {
      const owner = RENDERER_ENGINE_ARGS[key];
      findings.push({
        code: 'catalog/engine-arg-reserved',
        message: `serving.engineArgs key ${quote(key)} is set by ray-gitops from ${owner}; remove it and change ${owner} instead`,
        path,
        at: 'key',
      });
    } else {
      const problem = engineArgProblem(key, allowed);
      if (problem) findings.push({ ...problem, path, at: 'key' });
    }
  }
  return findings;
}

const KNOWN_ENGINE_ARGS = new Set(VLLM_ENGINE_ARGS);

/** Why a well-formed engineArgs key is refused: not a vLLM argument, a secret, or reaching outside unallowed. */
function engineArgProblem(key: string, allowed: readonly string[]): { code: string; message: string } | undefined {
  if (!KNOWN_ENGINE_ARGS.has(key)) {
    const suggestion = closestMatch(key, VLLM_ENGINE_ARGS);
    return {
      code: 'catalog/engine-arg-unknown',
      message: `serving.engineArgs key ${quote(key)} is not an engine argument of vLLM ${ENGINE_ARGS_VLLM_VERSION} (the image's version)` +
        `${suggestion ? `; did you mean ${quote(suggestion)}?` : '; see vLLM\'s engine arguments for that version'}`,
    };
  }
  if (SECRET_ENGINE_ARGS.includes(key)) {
    return {
      code: 'catalog/engine-arg-secret',
      message: `serving.engineArgs key ${quote(key)} would commit a token to git; remove it: the deploy passes the HF_TOKEN secret to the workers`,
    };
  }
  if (key === 'trust-remote-code') {
    return {
      code: 'catalog/engine-arg-outside',
      message: "serving.engineArgs key 'trust-remote-code' runs the model repository's Python code on the GPU workers; " +
        'remove it and, only for a repository you trust, set serving.trustRemoteCode: true, which the pull-request plan flags',
    };
  }
  const reach = OUTSIDE_ENGINE_ARGS[key];
  if (reach !== undefined && !allowed.includes(key)) {
    return {
      code: 'catalog/engine-arg-outside',
      message: `serving.engineArgs key ${quote(key)} ${reach} beyond the staged weights and the image; ` +
        `remove it, or allow it for this model by adding ${quote(key)} to serving.allowEngineArgs (the pull-request plan lists it)`,
    };
  }
  return undefined;
}

/** Every key in serving.allowEngineArgs must be one that needs allowing; trust-remote-code has its own field. */
function checkAllowList(allowed: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  allowed.forEach((key, index) => {
    const path = ['serving', 'allowEngineArgs', index];
    if (key === 'trust-remote-code') {
      findings.push({ code: 'catalog/engine-arg-allow', message: 'trust-remote-code is not allowed through serving.allowEngineArgs; set serving.trustRemoteCode: true instead', path, at: 'value' });
    } else if (!Object.hasOwn(OUTSIDE_ENGINE_ARGS, key)) {
      const known = KNOWN_ENGINE_ARGS.has(key) ? `${quote(key)} does not reach outside the image, so it needs no allowing` : `${quote(key)} is not an engine argument that needs allowing`;
      findings.push({ code: 'catalog/engine-arg-allow', message: `serving.allowEngineArgs: ${known}; remove it`, path, at: 'value' });
    }
  });
  return findings;
}

function toKebabCase(key: string): string {
  return key
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

function powersOfTwoUpTo(limit: number): number[] {
  const powers: number[] = [];
  for (let value = 1; value <= limit; value *= 2) powers.push(value);
  return powers;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An own property of a mapping, or undefined for anything else (never the prototype chain). */
function child(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}
