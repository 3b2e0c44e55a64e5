// One file through the pipeline's per-file stages: read → parse → schema (+ checks). The main thread
// and the worker threads run exactly this, so a file's results do not depend on where it was validated.
import { readFileSync } from 'node:fs';
import { fileDisabledRules, type ResourceCheck } from './checks.js';
import { STDIN_PATH, type DiscoveredFile } from './discover.js';
import { parseManifests, type ParsedManifest } from './parse.js';
import type { PreviousTree } from './previous.js';
import type { SchemaRegistry } from './schema/registry.js';
import type { ManifestResource, ValidationResult } from './types.js';
import { validateParsed } from './validator.js';
import { UsageError } from '../errors/errors.js';

/** What validating one file needs (validateManifests builds it from its options). */
export interface ValidateFileOptions {
  readonly registry: SchemaRegistry;
  readonly ignoreMissingSchemas: boolean;
  readonly skipKinds: ReadonlySet<string>;
  readonly rejectKinds: ReadonlySet<string>;
  readonly checks: readonly ResourceCheck[];
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  readonly disabledRules?: readonly string[];
  readonly repoRoot?: string;
  readonly previous?: PreviousTree;
}

/** A file handed back unvalidated: one of its resources feeds a check that needs every file in one place. */
export const HANDED_BACK = Symbol('handed back');

/**
 * All results of one file, in document order. With `handBack`, a file holding a resource for which
 * it returns true is not validated at all (a worker thread passes such files to the main thread,
 * where the cross-file checks keep their facts).
 */
export async function validateFile(
  file: DiscoveredFile,
  options: ValidateFileOptions,
  handBack?: (resource: ManifestResource) => boolean,
): Promise<ValidationResult[] | typeof HANDED_BACK> {
  const name = file.path === STDIN_PATH ? 'stdin' : file.path;
  if (file.error) return [unreadable(name, file.error)];
  let text: string;
  try {
    // manifests are small: one synchronous read costs a fraction of the promise round trips (open,
    // fstat, read, close through the thread pool), and the CPU-bound pipeline would wait anyway
    text = file.path === STDIN_PATH ? await readStream(options.stdin) : readFileSync(file.path, 'utf8');
  } catch (error) {
    return [unreadable(name, (error as Error).message)];
  }
  const fileDisabled = fileDisabledRules(text);
  const resourceOptions = fileDisabled.length > 0 ? { ...options, disabledRules: [...(options.disabledRules ?? []), ...fileDisabled] } : options;
  const parsed: ParsedManifest[] = [...parseManifests(name, text, { strict: options.registry.strict })];
  if (handBack && parsed.some((document) => document.type === 'resource' && handBack(document.resource))) return HANDED_BACK;
  const results: ValidationResult[] = [];
  for (const document of parsed) results.push(await validateParsed(document, resourceOptions));
  return results;
}

function unreadable(file: string, problem: string): ValidationResult {
  const location = { file, line: 1, column: 1 };
  return {
    resource: { file, documentIndex: 0, location },
    status: 'error',
    diagnostics: [{ severity: 'error', location, message: `cannot read ${file}: ${problem}`, code: 'input/unreadable' }],
  };
}

async function readStream(stream: AsyncIterable<string | Uint8Array> | undefined): Promise<string> {
  if (!stream) throw new UsageError("'-' reads manifests from standard input, but none was given");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
