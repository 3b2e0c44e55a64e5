import { readFile } from 'node:fs/promises';
import { sourceIdentity } from './source-identity.js';
import { detectWeightFormat, WEIGHT_FORMATS, type WeightFormat } from './weight-format.js';
import type { ModelSource } from '../catalog/model-entry.js';
import { InputFileError } from '../errors/errors.js';

/**
 * Where staging put one model's weights: the one record every stager prints (the prestage-model
 * action's `staged` output, `ray-gitops prestage --json`, the pipeline's sample) and render's
 * `--staged` / `staged` input reads back.
 */
export interface StagedRecord {
  /** the catalog entry it was staged for; absent when staged by --hf/--url/--dir (then matched by `source`) */
  readonly model?: string;
  /** `s3://bucket/prefix/<org>/<name>/<commit>/`, always ending in `/` */
  readonly uri: string;
  /** the resolved commit (or content hash) that was staged */
  readonly commit: string;
  /** `s3://…/.manifests/<org>/<name>/<commit>.json`, the completion manifest */
  readonly manifestUri: string;
  /** the source identity (sourceIdentity()) it was staged from; a different one makes it stale */
  readonly source: string;
  /** the layout of the staged files, when known */
  readonly format?: WeightFormat;
}

/** What a stager returns, as far as the record needs it (stage/'s StageResult has these fields). */
interface StagingOutcome {
  readonly s3Uri: string;
  readonly commit: string;
  readonly manifestUri: string;
  /** the source identity the stager resolved */
  readonly source: string;
  readonly files: readonly { readonly path: string }[];
}

/** The record for one staging run; `model` names the catalog entry when one was staged. */
export function toStagedRecord(outcome: StagingOutcome, options: { readonly model?: string } = {}): StagedRecord {
  const format = detectWeightFormat(outcome.files.map((file) => file.path));
  return {
    ...(options.model !== undefined ? { model: options.model } : {}),
    uri: outcome.s3Uri,
    commit: outcome.commit,
    manifestUri: outcome.manifestUri,
    source: outcome.source,
    ...(format ? { format } : {}),
  };
}

/** The fields of a record, plus the transfer report `prestage --json` and `--finalize --json` add (read, then dropped); a shard's report (its `shard` field) is no record: render refuses it. */
const RECORD_FIELDS = ['model', 'uri', 'commit', 'manifestUri', 'source', 'format'];
const REPORT_FIELDS = ['org', 'name', 'alreadyStaged', 'alreadyFinalized', 'totalBytes', 'bytesUploaded', 'bytesSkipped', 'seconds', 'files'];

/** Reads staged records from a file: see parseStagedRecords. */
export async function loadStagedRecords(file: string): Promise<StagedRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot read the staged records '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  return parseStagedRecords(text, file);
}

/**
 * Reads staged records in any of the shapes the stagers print: one record (`prestage --json`), a list
 * of records, or an object keyed by catalog model name (the prestage-model action's `staged` output).
 * Strict: every field has one name and one type, and an unknown field is an error naming it.
 */
export function parseStagedRecords(text: string, what = 'the staged records'): StagedRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(`${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  let records: StagedRecord[];
  if (Array.isArray(data)) records = data.map((item, index) => parseRecord(item, `${what}[${index}]`));
  else if (isRecord(data) && typeof data.uri === 'string') records = [parseRecord(data, what)];
  else if (isRecord(data)) records = Object.entries(data).map(([model, item]) => parseRecord(item, `${what}, model '${model}'`, model));
  else invalid(`${what} must be a staged record (prestage --json), a list of them, or an object of them keyed by model name`);
  const seen = new Set<string>();
  for (const record of records) {
    if (record.model === undefined) continue;
    if (seen.has(record.model)) invalid(`${what} names model '${record.model}' twice`);
    seen.add(record.model);
  }
  return records;
}

function parseRecord(value: unknown, where: string, key?: string): StagedRecord {
  if (!isRecord(value)) return invalid(`${where} must be an object`);
  const unknown = Object.keys(value).filter((field) => !RECORD_FIELDS.includes(field) && !REPORT_FIELDS.includes(field));
  if (unknown.length > 0) invalid(`${where}: unknown field ${unknown.map((f) => `"${f}"`).join(', ')}; a staged record has ${RECORD_FIELDS.join(', ')}`);
  const text = (field: string, required: boolean): string | undefined => {
    const found = value[field];
    if (found === undefined && !required) return undefined;
    if (typeof found !== 'string') return invalid(`${where}: "${field}" must be a string${found === undefined ? ' and is missing' : ''}`);
    return found;
  };
  const uri = text('uri', true)!;
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S*$/.test(uri)) invalid(`${where}: "uri" must be the staged s3://bucket/prefix/, not ${JSON.stringify(uri)}`);
  const manifestUri = text('manifestUri', true)!;
  if (!/^s3:\/\/\S+\.json$/.test(manifestUri)) invalid(`${where}: "manifestUri" must be an s3://….json URI`);
  const model = text('model', false);
  if (model !== undefined && key !== undefined && model !== key) invalid(`${where}: "model" says '${model}'`);
  const format = text('format', false);
  if (format !== undefined && !(WEIGHT_FORMATS as readonly string[]).includes(format)) invalid(`${where}: "format" must be ${WEIGHT_FORMATS.join(' or ')}`);
  const detected = (format as WeightFormat | undefined) ?? detectWeightFormat(fileNames(value.files, where));
  const name = model ?? key;
  return {
    ...(name !== undefined ? { model: name } : {}),
    uri: uri.endsWith('/') ? uri : `${uri}/`,
    commit: text('commit', true)!,
    manifestUri,
    source: text('source', true)!,
    ...(detected ? { format: detected } : {}),
  };
}

function fileNames(files: unknown, where: string): string[] {
  if (files === undefined) return [];
  if (!Array.isArray(files)) return invalid(`${where}: "files" must be a list`);
  return files.map((file) => (isRecord(file) && typeof file.path === 'string' ? file.path : invalid(`${where}: every "files" item must be {"path": …}`)));
}

/**
 * Which record serves which catalog entry: a record naming a model serves that model; one without
 * a name serves every entry whose source it was staged from (so `prestage --hf org/name --json`
 * fed to render reaches the entry with that Hub source). Records that serve nothing are reported.
 */
export function matchStagedRecords(
  records: readonly StagedRecord[],
  entries: readonly { readonly name: string; readonly source: ModelSource }[],
): { staged: Map<string, StagedRecord>; warnings: string[] } {
  const staged = new Map<string, StagedRecord>();
  const warnings: string[] = [];
  for (const record of records.filter((r) => r.model !== undefined)) {
    if (entries.some((entry) => entry.name === record.model)) staged.set(record.model!, record);
    else warnings.push(`the staged records name '${record.model}', which is not in the catalog; ignored`);
  }
  for (const record of records.filter((r) => r.model === undefined)) {
    const served = entries.filter((entry) => !staged.has(entry.name) && stagedFrom(record, entry.source));
    for (const entry of served) staged.set(entry.name, { ...record, model: entry.name });
    if (served.length === 0) warnings.push(`the staged record for ${record.source} (${record.uri}) matches no catalog entry's source; ignored`);
  }
  return { staged, warnings };
}

/** True when the record was staged from this catalog source, or is the very prefix an s3: source names. */
export function stagedFrom(record: Pick<StagedRecord, 'source' | 'uri'>, source: ModelSource): boolean {
  return record.source === sourceIdentity(source) || (source.kind === 's3' && record.uri === source.uri);
}

function invalid(message: string): never {
  throw new InputFileError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
