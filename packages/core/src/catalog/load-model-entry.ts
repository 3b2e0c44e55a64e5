import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { CatalogDocument } from './catalog-document.js';
import { displayPath } from './display-path.js';
import type { Finding } from './findings.js';
import type { ModelEntry } from './model-entry.js';
import { schemaFindings } from './schema-findings.js';
import { validateAgainstSchema } from './schema.js';
import { mergeFindings, semanticFindings } from './semantic-checks.js';
import { decodeCatalogText } from './source-text.js';
import { toModelEntry } from './to-model-entry.js';
import { locateFinding } from './yaml-locate.js';
import { readYamlMapping } from './yaml-reader.js';
import { sortDiagnostics } from '../report/diagnostic.js';
import type { Diagnostic, SourceLocation } from '../report/diagnostic.js';

/** A catalog entry is a few hundred bytes; anything past this is the wrong file or an attack. */
export const MAX_ENTRY_FILE_BYTES = 256 * 1024;

/** Past this many problems a file is reported as "N more"; the first ones are what a person fixes. */
export const MAX_DIAGNOSTICS_PER_FILE = 50;

/** The `name` a file declares and where, even when the file has other problems (for the uniqueness check). */
export interface DeclaredName {
  readonly value: string;
  readonly location: SourceLocation;
}

export interface ModelEntryResult {
  /** the file as diagnostics name it */
  readonly file: string;
  /** present exactly when `diagnostics` is empty */
  readonly entry?: ModelEntry;
  readonly declaredName?: DeclaredName;
  readonly diagnostics: Diagnostic[];
}

export interface LoadModelEntryOptions {
  /** how diagnostics name the file; default: relative to the working directory when inside it */
  readonly displayPath?: string;
}

/**
 * Reads and checks one catalog file. Problems with the file itself (missing, unreadable, too large)
 * are diagnostics at FILE:1:1 like every other problem; it never throws for bad input.
 */
export async function loadModelEntry(file: string, options: LoadModelEntryOptions = {}): Promise<ModelEntryResult> {
  const shown = options.displayPath ?? displayPath(file);
  const read = await readBounded(file);
  if ('problem' in read) return { file: shown, diagnostics: [fileDiagnostic(shown, read.code, read.problem)] };
  return checkModelEntrySource(read.bytes, shown);
}

/** Checks a catalog file's bytes; `file` names it in diagnostics and its base name must equal `name`. */
export function checkModelEntrySource(bytes: Uint8Array, file: string): ModelEntryResult {
  if (bytes.length > MAX_ENTRY_FILE_BYTES) return { file, diagnostics: [tooLarge(file, bytes.length)] };
  const decoded = decodeCatalogText(bytes);
  if (!decoded.ok) {
    const { code, message, line, column } = decoded.problem;
    return { file, diagnostics: [{ severity: 'error', code, message, location: { file, line, column } }] };
  }
  const read = readYamlMapping(decoded.text, file);
  if (!read.ok) return { file, diagnostics: capDiagnostics(read.diagnostics) };

  const { parsed } = read;
  const findings: Finding[] = mergeFindings(
    semanticFindings(parsed.data, { fileName: path.basename(file) }),
    schemaFindings(validateAgainstSchema(parsed.data)),
  );
  const diagnostics = findings.map(
    (finding): Diagnostic => ({ severity: 'error', code: finding.code, message: finding.message, location: locateFinding(parsed, finding) }),
  );
  const name = parsed.data.name;
  const declaredName = typeof name === 'string' ? { value: name, location: locateFinding(parsed, { path: ['name'], at: 'value' }) } : undefined;
  if (diagnostics.length > 0) return { file, declaredName, diagnostics: capDiagnostics(diagnostics) };
  return { file, entry: toModelEntry(parsed.data as unknown as CatalogDocument), declaredName, diagnostics: [] };
}

type BoundedRead = { readonly bytes: Uint8Array } | { readonly code: string; readonly problem: string };

/**
 * lstat first (so a huge file, a device or a symbolic link is never read), then read at most one byte
 * past the cap. A link is refused, never followed: a catalog entry linking to .git/config or a key file
 * would otherwise have its target's lines quoted in the YAML errors, in a pull request's log.
 */
async function readBounded(file: string): Promise<BoundedRead> {
  let handle: FileHandle | undefined;
  try {
    const stats = await lstat(file);
    if (stats.isSymbolicLink()) {
      return { code: 'catalog/symlink', problem: 'is a symbolic link; a catalog entry must be a regular file in the catalog directory, so copy the entry there instead of linking it' };
    }
    if (!stats.isFile()) return { code: 'catalog/unreadable-file', problem: 'is not a regular file; a catalog entry is a .yaml file' };
    if (stats.size > MAX_ENTRY_FILE_BYTES) return { code: 'catalog/file-too-large', problem: tooLargeMessage(stats.size) };
    // O_NOFOLLOW: a link swapped in after the lstat is refused by the kernel (ELOOP), not followed
    // eslint-disable-next-line no-bitwise
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const buffer = Buffer.alloc(MAX_ENTRY_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    return { bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { code: 'catalog/unreadable-file', problem: `cannot be read (${describeIoError(error)}); check that it exists and is readable` };
  } finally {
    await handle?.close();
  }
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'ELOOP') return 'it is a symbolic link';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (error instanceof Error ? error.message : String(error));
}

function tooLargeMessage(size: number): string {
  return `is ${size} bytes, more than the ${MAX_ENTRY_FILE_BYTES} bytes a catalog entry may have; check that this is the right file`;
}

function tooLarge(file: string, size: number): Diagnostic {
  return fileDiagnostic(file, 'catalog/file-too-large', tooLargeMessage(size));
}

function fileDiagnostic(file: string, code: string, problem: string): Diagnostic {
  return { severity: 'error', code, message: `file ${problem}`, location: { file, line: 1, column: 1 } };
}

function capDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.length <= MAX_DIAGNOSTICS_PER_FILE) return sorted;
  const hidden = sorted.length - MAX_DIAGNOSTICS_PER_FILE;
  return [
    ...sorted.slice(0, MAX_DIAGNOSTICS_PER_FILE),
    {
      severity: 'error',
      code: 'catalog/too-many-problems',
      message: `${hidden} more problems in this file are not shown; fix the ones above and check again`,
      location: sorted[MAX_DIAGNOSTICS_PER_FILE].location,
    },
  ];
}
