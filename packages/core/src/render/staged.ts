import { readFile } from 'node:fs/promises';
import type { EngineArgValue, ModelEntry, ModelSource } from '../catalog/model-entry.js';
import { InputFileError } from '../errors/errors.js';

/** How the weights are laid out: Hugging Face (config.json + *.safetensors) or Mistral-native (params.json + consolidated.safetensors). */
export type WeightFormat = 'huggingface' | 'mistral';

export const WEIGHT_FORMATS: readonly WeightFormat[] = ['huggingface', 'mistral'];

/** Where staging put one model's weights: the record prestage prints, keyed by model name. */
export interface StagedModel {
  /** `s3://bucket/prefix/<org>/<name>/<commit>/`, always ending in `/` */
  readonly uri: string;
  /** the resolved commit (or content hash) that was staged */
  readonly commit: string;
  /** `s3://…/.manifests/<org>/<name>/<commit>.json`, the completion manifest; '' when unknown */
  readonly manifestUri: string;
  /** the layout of the staged files, when known */
  readonly format?: WeightFormat;
  /** the catalog source this was staged from (sourceIdentity); a different source makes it stale */
  readonly source?: string;
}

/** A stable text for a catalog source, recorded on each instance so a changed source is never served from an old staging. */
export function sourceIdentity(source: ModelSource): string {
  switch (source.kind) {
    case 'huggingface':
      return `huggingface:${source.repo}@${source.revision}`;
    case 'url':
      return source.sha256 === undefined ? `url:${source.url}` : `url:${source.url}#sha256=${source.sha256}`;
    case 's3':
      return `s3:${source.uri}`;
  }
}

/** Mistral-native when the files are params.json + consolidated*.safetensors and there is no config.json. */
export function detectWeightFormat(files: readonly string[]): WeightFormat | undefined {
  if (files.length === 0) return undefined;
  const names = new Set(files.map((file) => file.split('/').pop()!));
  const consolidated = [...names].some((name) => /^consolidated(\.\d+)?\.safetensors$/.test(name));
  if (names.has('params.json') && consolidated && !names.has('config.json')) return 'mistral';
  return 'huggingface';
}

/** The format the catalog entry's own engine arguments ask for (`tokenizer-mode: mistral`, …), if any. */
export function formatFromEngineArgs(engineArgs: Readonly<Record<string, EngineArgValue>>): WeightFormat | undefined {
  const asks = ['tokenizer-mode', 'config-format', 'load-format'].some((key) => engineArgs[key] === 'mistral');
  return asks ? 'mistral' : undefined;
}

/** Reads a staged-prefix map from a file (prestage's staged output saved by a workflow step). */
export async function loadStagedModels(file: string): Promise<Map<string, StagedModel>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot read the staged-prefix map '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  return parseStagedModels(text, file);
}

/**
 * Reads the staged-prefix map: a JSON object keyed by model name (or a list of records with `name`),
 * each with `uri` (aliases `s3Uri`, `s3_uri`), `commit`, `manifestUri` (aliases `manifest_uri`,
 * `manifest`), and optionally `format`, `files` (names or `{path}` records) and `source`.
 */
export function parseStagedModels(text: string, what = 'the staged-prefix map'): Map<string, StagedModel> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(`${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const records: [string, unknown][] = Array.isArray(data)
    ? data.map((item, index) => [nameOf(item, `${what}[${index}]`), item])
    : isRecord(data)
      ? Object.entries(data)
      : invalid(`${what} must be a JSON object keyed by model name, or a list of records with "name"`);
  const staged = new Map<string, StagedModel>();
  for (const [name, record] of records) {
    if (staged.has(name)) invalid(`${what} names model '${name}' twice`);
    staged.set(name, parseRecord(record, `${what}, model '${name}'`));
  }
  return staged;
}

function parseRecord(value: unknown, where: string): StagedModel {
  if (!isRecord(value)) return invalid(`${where} must be an object`);
  const uri = stringField(value, ['uri', 's3Uri', 's3_uri'], where);
  if (uri === undefined || !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S*$/.test(uri)) {
    return invalid(`${where}: "uri" must be the staged s3://bucket/prefix/, not ${JSON.stringify(uri)}`);
  }
  const manifestUri = stringField(value, ['manifestUri', 'manifest_uri', 'manifest'], where) ?? '';
  if (manifestUri !== '' && !/^s3:\/\/\S+\.json$/.test(manifestUri)) invalid(`${where}: "manifestUri" must be an s3://….json URI`);
  const format = stringField(value, ['format'], where);
  if (format !== undefined && !(WEIGHT_FORMATS as readonly string[]).includes(format)) invalid(`${where}: "format" must be ${WEIGHT_FORMATS.join(' or ')}`);
  const files = value.files;
  let fileNames: string[] = [];
  if (files !== undefined) {
    if (!Array.isArray(files)) invalid(`${where}: "files" must be a list`);
    fileNames = (files as unknown[]).map((file) => (typeof file === 'string' ? file : isRecord(file) && typeof file.path === 'string' ? file.path : invalid(`${where}: every "files" item must be a path or {"path": …}`)));
  }
  const detected = (format as WeightFormat | undefined) ?? detectWeightFormat(fileNames);
  const source = stringField(value, ['source'], where);
  return {
    uri: uri.endsWith('/') ? uri : `${uri}/`,
    commit: stringField(value, ['commit'], where) ?? '',
    manifestUri,
    ...(detected ? { format: detected } : {}),
    ...(source !== undefined ? { source } : {}),
  };
}

function stringField(record: Record<string, unknown>, names: readonly string[], where: string): string | undefined {
  for (const name of names) {
    const value = record[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') invalid(`${where}: "${name}" must be a string`);
    return value as string;
  }
  return undefined;
}

function nameOf(item: unknown, where: string): string {
  if (isRecord(item) && typeof item.name === 'string') return item.name;
  return invalid(`${where} has no "name"`);
}

function invalid(message: string): never {
  throw new InputFileError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Where one model's weights are read from, once the renderer has decided. */
export interface ModelPlacement {
  /** s3://…/ or '' while the model is not staged */
  readonly source: string;
  readonly commit: string;
  readonly manifest: string;
  readonly format: WeightFormat;
  /** how the placement was found, for logs and summaries */
  readonly origin: 'staged' | 'catalog-s3' | 'previous-render' | 'pending';
}

/** What an earlier render recorded for a model: its instance's model fields and source identity. */
export interface PreviousPlacement {
  readonly sourceIdentity: string;
  readonly source: string;
  readonly commit: string;
  readonly manifest: string;
  readonly format: WeightFormat;
}

/** True when the rendered tree has no staged weights for the entry's current source: staging it is what is left to do. */
export function awaitsStaging(entry: ModelEntry, previous: PreviousPlacement | undefined): boolean {
  return placeModel(entry, undefined, previous).placement.origin === 'pending';
}

/**
 * Decides where a model's weights come from, in order: the staged-prefix map (if it was staged from
 * this entry's source), an S3 source in the catalog, what the previous render recorded for the same
 * source, or nowhere yet (pending: the instance is rendered, its RayService is not).
 */
export function placeModel(
  entry: ModelEntry,
  staged: StagedModel | undefined,
  previous: PreviousPlacement | undefined,
): { placement: ModelPlacement; warning?: string } {
  const identity = sourceIdentity(entry.source);
  const hinted = formatFromEngineArgs(entry.serving.engineArgs);
  if (staged && staged.source !== undefined && staged.source !== identity) {
    const fallback = placeModel(entry, undefined, previous);
    return {
      placement: fallback.placement,
      warning: `${entry.name}: the staged-prefix map was staged from ${staged.source}, but the catalog now says ${identity}; ignoring it until the new source is staged`,
    };
  }
  if (staged) {
    return { placement: { source: staged.uri, commit: staged.commit, manifest: staged.manifestUri, format: staged.format ?? hinted ?? 'huggingface', origin: 'staged' } };
  }
  if (entry.source.kind === 's3') {
    return { placement: { source: entry.source.uri, commit: '', manifest: '', format: hinted ?? 'huggingface', origin: 'catalog-s3' } };
  }
  if (previous && previous.sourceIdentity === identity && previous.source !== '') {
    return { placement: { source: previous.source, commit: previous.commit, manifest: previous.manifest, format: previous.format, origin: 'previous-render' } };
  }
  return {
    placement: { source: '', commit: '', manifest: '', format: hinted ?? 'huggingface', origin: 'pending' },
    warning: `${entry.name} is not staged yet: its instance is rendered without a RayService until prestage records where its weights are (stage it with 'ray-gitops prestage' and render with --staged)`,
  };
}
