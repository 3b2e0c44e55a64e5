import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/** A file to validate, or a path that could not be read (reported as an `error` result). */
export interface DiscoveredFile {
  readonly path: string;
  readonly error?: string;
}

interface DiscoverOptions {
  /** regular expressions; a file whose path matches any of them is left out (kubeconform's -ignore-filename-pattern) */
  readonly ignorePatterns?: readonly RegExp[];
}

/** Extensions picked up inside directories. Files named explicitly are read whatever their extension. */
const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** The path that means "read standard input", as in kubeconform. */
export const STDIN_PATH = '-';

/**
 * Streams the files to validate: each path in the order given; a directory walked recursively with
 * entries sorted by name, so runs are deterministic on every machine. Paths are never held in bulk.
 */
export async function* discoverFiles(paths: readonly string[], options: DiscoverOptions = {}): AsyncGenerator<DiscoveredFile> {
  const ignored = (path: string) => options.ignorePatterns?.some((pattern) => pattern.test(path)) ?? false;
  for (const path of paths) {
    if (path === STDIN_PATH) {
      yield { path };
      continue;
    }
    let isDirectory: boolean;
    try {
      // synchronous, like the reads after it: the work is CPU-bound, and a thread-pool round trip per
      // directory would leave the one thread that validates idle
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      yield { path, error: describeFsError(error) };
      continue;
    }
    if (!isDirectory) {
      if (!ignored(path)) yield { path };
      continue;
    }
    yield* walk(path, ignored);
  }
}

async function* walk(dir: string, ignored: (path: string) => boolean): AsyncGenerator<DiscoveredFile> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    yield { path: dir, error: describeFsError(error) };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* walk(path, ignored);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && hasManifestExtension(entry.name) && !ignored(path)) {
      yield { path };
    }
  }
}

export function hasManifestExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return MANIFEST_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
