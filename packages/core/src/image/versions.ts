import { readFile } from 'node:fs/promises';
import { isMap, isScalar, parseDocument } from 'yaml';
import { InputFileError } from '../errors/index.js';
import type { SourceLocation } from '../report/index.js';

/**
 * docker/versions.json is the one place the image's versions are written down: the Dockerfile gets
 * them as build arguments, render-rgd reads `ray` for the RayService `rayVersion`. Keys are camelCase;
 * each string entry becomes a build argument by a fixed rule (see `buildArgNameForVersionKey`).
 */
interface VersionEntry {
  readonly key: string;
  readonly value: string;
  readonly buildArg: string;
  readonly location: SourceLocation;
}

export interface VersionsFile {
  readonly path: string;
  readonly entries: readonly VersionEntry[];
}

/**
 * `ray` → `RAY_VERSION`, `huggingfaceHub` → `HUGGINGFACE_HUB_VERSION`, `baseImage` → `BASE_IMAGE`:
 * upper snake case, with `_VERSION` appended unless the key names an image.
 */
export function buildArgNameForVersionKey(key: string): string {
  const snake = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
  return /(^|_)IMAGE$/.test(snake) ? snake : `${snake}_VERSION`;
}

/** Reads the versions file; `required: false` turns a missing file into an empty one. */
export async function readVersionsFile(path: string, required: boolean): Promise<VersionsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !required) return { path, entries: [] };
    throw new InputFileError(`versions file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputFileError(`${path} must hold a JSON object such as {"ray": "2.52.0", "vllm": "…", "baseImage": "…@sha256:…"}.`);
  }
  const entries: VersionEntry[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    // `$comment` and friends are notes; other tools may keep richer values beside the versions
    if (typeof value !== 'string' || key.startsWith('$')) continue;
    entries.push({ key, value, buildArg: buildArgNameForVersionKey(key), location: locateKey(path, text, key) });
  }
  return { path, entries };
}

function locateKey(file: string, text: string, key: string): SourceLocation {
  const index = text.indexOf(JSON.stringify(key));
  if (index < 0) return { file, line: 1, column: 1 };
  const before = text.slice(0, index).split('\n');
  return { file, line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The keys of versions.json that name an image (`baseImage` → BASE_IMAGE): the ones `pin` resolves. */
export function isImageVersionKey(key: string): boolean {
  return /(^|_)IMAGE$/.test(buildArgNameForVersionKey(key));
}

/**
 * Sets top-level string values of a versions file's text, touching only those values' bytes: key
 * order, indentation, `$comment` and the final newline stay as they were, so the diff is the change.
 */
export function editVersionsText(text: string, path: string, changes: Readonly<Record<string, string>>): string {
  // JSON is YAML: the yaml parser gives each value's source range, so only those bytes are replaced
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0 || !isMap(document.contents)) throw new InputFileError(`${path} must hold a JSON object`);
  const edits: { offset: number; length: number; content: string }[] = [];
  for (const [key, value] of Object.entries(changes)) {
    const pair = document.contents.items.find((item) => isScalar(item.key) && item.key.value === key);
    const node = pair?.value;
    if (!isScalar(node) || node.type !== 'QUOTE_DOUBLE' || !node.range) throw new InputFileError(`${path} has no string "${key}" to update`);
    edits.push({ offset: node.range[0], length: node.range[1] - node.range[0], content: JSON.stringify(value) });
  }
  edits.sort((a, b) => b.offset - a.offset);
  return edits.reduce((out, edit) => out.slice(0, edit.offset) + edit.content + out.slice(edit.offset + edit.length), text);
}
