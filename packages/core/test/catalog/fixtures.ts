import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { tempDir } from '@ray-gitops/testkit/temp';
import { onTestFinished } from 'vitest';
import { checkCatalog } from '../../src/catalog/check-catalog.js';
import type { CatalogCheckResult } from '../../src/catalog/check-catalog.js';
import { loadModelEntry } from '../../src/catalog/load-model-entry.js';
import type { ModelEntryResult } from '../../src/catalog/load-model-entry.js';
import { formatDiagnostic } from '../../src/report/diagnostic.js';

/** A fresh directory under the OS temp dir, removed when the test finishes. */
export async function makeTempDir(): Promise<string> {
  const dir = await tempDir('ray-gitops-catalog-');
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (name → content) into a fresh temp dir and returns the dir. */
export async function writeCatalog(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await makeTempDir();
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

export interface CheckedFile {
  /** the path diagnostics use for the file */
  readonly file: string;
  /** formatted diagnostics, `FILE:LINE:COL: message` */
  readonly lines: string[];
  readonly codes: string[];
  readonly result: ModelEntryResult;
}

/** Writes one catalog file into a fresh temp dir and checks it on its own. */
export async function checkFile(name: string, content: string | Uint8Array): Promise<CheckedFile> {
  const dir = await writeCatalog({ [name]: content });
  const file = path.join(dir, name);
  const result = await loadModelEntry(file);
  return { file, lines: result.diagnostics.map(formatDiagnostic), codes: result.diagnostics.map((d) => d.code), result };
}

export interface CheckedCatalog {
  readonly dir: string;
  /** formatted diagnostics, with paths relative to `dir` */
  readonly lines: string[];
  readonly result: CatalogCheckResult;
}

/** Checks a whole catalog written from `files`. */
export async function checkFiles(files: Record<string, string | Uint8Array>): Promise<CheckedCatalog> {
  const dir = await writeCatalog(files);
  const result = await checkCatalog(dir);
  const lines = result.diagnostics.map((d) => formatDiagnostic({ ...d, location: { ...d.location, file: path.relative(dir, d.location.file) } }));
  return { dir, lines, result };
}

/** A valid entry for `name`, as YAML lines; tests replace the parts they are about. */
export function validEntry(name: string): string {
  return [
    `name: ${name}`,
    'source:',
    '  huggingface:',
    '    repo: Qwen/Qwen2.5-7B-Instruct',
    '    revision: main',
    'serving:',
    '  maxModelLen: 8192',
    '  gpu: { type: L4, count: 1 }',
    '',
  ].join('\n');
}

/** An entry whose serving block is `serving` (indented lines after `serving:`). */
export function entryWithServing(name: string, ...serving: string[]): string {
  return [`name: ${name}`, 'source:', '  huggingface: { repo: Qwen/Qwen2.5-7B-Instruct }', 'serving:', ...serving, ''].join('\n');
}
