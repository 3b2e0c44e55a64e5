import type { CatalogDocument } from './catalog-document.js';
import type { EngineArgValue, ModelEntry, ModelSource, UpgradeStrategy, WeightStorage } from './model-entry.js';
import { OUTSIDE_ENGINE_ARGS } from './vllm-engine-args.js';

export const DEFAULT_REVISION = 'main';
export const DEFAULT_STORAGE: WeightStorage = 'stream';
export const DEFAULT_MIN_REPLICAS = 1;
export const DEFAULT_UPGRADE: UpgradeStrategy = 'new-cluster';

/**
 * The domain form of a checked catalog document: defaults applied, `source.kind` set, sha256 in
 * lowercase, S3 prefixes ending in '/', engine arguments sorted by key. Call it only on a document
 * that passed every check.
 */
export function toModelEntry(document: CatalogDocument): ModelEntry {
  const { serving } = document;
  const min = serving.replicas?.min ?? DEFAULT_MIN_REPLICAS;
  const max = serving.replicas?.max ?? Math.max(min, 1);
  const engineArgs: Record<string, EngineArgValue> = {};
  for (const key of Object.keys(serving.engineArgs ?? {}).sort()) engineArgs[key] = serving.engineArgs![key];
  const outside = Object.keys(engineArgs).filter((key) => Object.hasOwn(OUTSIDE_ENGINE_ARGS, key));
  return {
    name: document.name,
    ...(document.description === undefined ? {} : { description: document.description }),
    source: toSource(document.source),
    serving: {
      maxModelLen: serving.maxModelLen,
      gpu: { type: serving.gpu.type, count: serving.gpu.count },
      replicas: { min, max },
      storage: serving.storage ?? DEFAULT_STORAGE,
      upgrade: serving.upgrade ?? DEFAULT_UPGRADE,
      engineArgs,
      ...(serving.trustRemoteCode === true ? { trustRemoteCode: true } : {}),
      ...(outside.length > 0 ? { outsideEngineArgs: outside } : {}),
    },
    ...(document.staging === undefined ? {} : { staging: { where: document.staging.where ?? 'runner', shards: document.staging.shards ?? 1 } }),
  };
}

function toSource(source: CatalogDocument['source']): ModelSource {
  if (source.huggingface !== undefined) {
    return { kind: 'huggingface', repo: source.huggingface.repo, revision: source.huggingface.revision ?? DEFAULT_REVISION };
  }
  if (source.url !== undefined) {
    const { url, sha256 } = source.url;
    return sha256 === undefined ? { kind: 'url', url } : { kind: 'url', url, sha256: sha256.toLowerCase() };
  }
  if (source.s3 !== undefined) {
    const { uri } = source.s3;
    return { kind: 's3', uri: uri.endsWith('/') ? uri : `${uri}/` };
  }
  throw new Error('toModelEntry: the document has no source; it must pass the catalog checks first');
}
