import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { displayPath } from './display-path.js';
import { loadModelEntry } from './load-model-entry.js';
import type { DeclaredName, ModelEntryResult } from './load-model-entry.js';
import { quote } from './messages.js';
import type { ModelEntry } from './model-entry.js';
import { InputFileError } from '../errors/errors.js';
import { sortDiagnostics } from '../report/diagnostic.js';
import type { Diagnostic } from '../report/diagnostic.js';

/** A checked entry and the file it came from (as diagnostics name it). */
export interface CatalogEntry {
  readonly file: string;
  readonly entry: ModelEntry;
}

export interface CatalogCheckResult {
  /** every catalog file found, sorted, as diagnostics name them */
  readonly files: string[];
  /** the entries of the files that have no problems, in file order */
  readonly entries: CatalogEntry[];
  /** every problem, sorted by file and position */
  readonly diagnostics: Diagnostic[];
}

export interface CheckCatalogOptions {
  /** reads and checks one file; default loadModelEntry (a caller counting reads passes its own) */
  readonly loadEntry?: ((file: string) => Promise<ModelEntryResult>) | undefined;
}

/** Catalog files are the `*.yaml` / `*.yml` files directly in the catalog directory. */
export function isCatalogFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/**
 * Checks every entry in a catalog directory (not recursive) and that no two declare the same name.
 * A missing or unreadable directory throws InputFileError; an empty one is a clean result with no
 * entries, and the caller decides whether that is an error.
 */
export async function checkCatalog(dir: string, options: CheckCatalogOptions = {}): Promise<CatalogCheckResult> {
  const files = await listCatalogFiles(dir);
  const loadEntry = options.loadEntry ?? ((file: string) => loadModelEntry(file));
  const results = await Promise.all(files.map((file) => loadEntry(file)));
  const duplicates = duplicateNames(results);
  const diagnostics = sortDiagnostics([...results.flatMap((result) => result.diagnostics), ...duplicates.diagnostics]);
  const entries = results.flatMap((result) =>
    result.entry !== undefined && !duplicates.files.has(result.file) ? [{ file: result.file, entry: result.entry }] : [],
  );
  return { files: results.map((result) => result.file), entries, diagnostics };
}

/** The catalog files in `dir`, sorted by name, as paths relative to the working directory when inside it. */
export async function listCatalogFiles(dir: string): Promise<string[]> {
  const shown = displayPath(dir);
  let names: string[];
  try {
    const stats = await stat(dir);
    if (!stats.isDirectory()) {
      throw new InputFileError(`catalog directory ${quote(shown)} is not a directory; point at the folder that holds one <name>.yaml file per model`);
    }
    names = await readdir(dir);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(error));
    throw new InputFileError(`cannot read the catalog directory ${quote(shown)} (${reason}); check the path and its permissions`, { cause: error });
  }
  return names
    .filter(isCatalogFileName)
    .sort(compareCodeUnits)
    .map((name) => displayPath(path.join(dir, name)));
}

/** Every name declared a second time is an error on the later file, pointing back at the first. */
function duplicateNames(results: readonly ModelEntryResult[]): { diagnostics: Diagnostic[]; files: Set<string> } {
  const first = new Map<string, DeclaredName>();
  const diagnostics: Diagnostic[] = [];
  const files = new Set<string>();
  for (const result of results) {
    const declared = result.declaredName;
    if (declared === undefined) continue;
    const earlier = first.get(declared.value);
    if (earlier === undefined) {
      first.set(declared.value, declared);
      continue;
    }
    files.add(result.file);
    diagnostics.push({
      severity: 'error',
      code: 'catalog/duplicate-name',
      message: `name ${quote(declared.value)} is already used by ${earlier.location.file}:${earlier.location.line}; every model needs its own name and file`,
      location: declared.location,
    });
  }
  return { diagnostics, files };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
