import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { BuildContextError } from './errors.js';

/** One file that goes into the image build, as it is hashed and zipped. */
export interface ContextFile {
  /** path inside the zip, POSIX separators: `context/Dockerfile`, `named/serve/app.py` */
  readonly zipPath: string;
  readonly absolutePath: string;
  /** 0o755 when the owner may execute it, else 0o644: the only mode bit an image build keeps */
  readonly mode: 0o644 | 0o755;
  readonly size: number;
  readonly sha256: string;
}

/** A directory BuildKit receives: the main context, or a named one (`--build-context NAME=DIR`). */
export interface ContextSource {
  /** undefined for the main context */
  readonly name?: string;
  readonly dir: string;
}

export interface BuildContext {
  readonly sources: readonly ContextSource[];
  /** every file, sorted by zipPath */
  readonly files: readonly ContextFile[];
  readonly totalBytes: number;
}

/** Where each source lands in the zip: the main context under `context/`, named ones under `named/<name>/`. */
export function zipRoot(source: ContextSource): string {
  return source.name === undefined ? 'context' : `named/${source.name}`;
}

/** The zip format without zip64 keeps every size under 4 GiB; a context this large means weights crept in. */
const MAX_CONTEXT_BYTES = 2 * 1024 ** 3;

/** Files Docker always sends for the main context, whatever .dockerignore says. */
const ALWAYS_SENT = new Set(['Dockerfile', '.dockerignore']);

/**
 * Collects the files of the main context and each named context, honouring each directory's
 * `.dockerignore` with Docker's own matching rules. Symlinks are refused rather than followed,
 * so what is hashed is exactly what is zipped, on every machine.
 */
export async function collectBuildContext(sources: readonly ContextSource[]): Promise<BuildContext> {
  const names = sources.map((s) => s.name ?? '');
  if (new Set(names).size !== names.length) throw new BuildContextError(`named build contexts must be unique, got: ${names.join(', ')}`);
  const files: ContextFile[] = [];
  for (const source of sources) files.push(...(await collectSource(source)));
  files.sort((a, b) => compareCodeUnits(a.zipPath, b.zipPath));
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  if (totalBytes > MAX_CONTEXT_BYTES) {
    throw new BuildContextError(
      `the build context holds ${(totalBytes / 1024 ** 3).toFixed(1)} GiB; keep model weights and caches out of it ` +
        '(list them in .dockerignore): weights are staged to S3 by prestage-model, not baked into the image.',
    );
  }
  return { sources, files, totalBytes };
}

async function collectSource(source: ContextSource): Promise<ContextFile[]> {
  const root = resolve(source.dir);
  const label = source.name === undefined ? `build context ${source.dir}` : `named build context '${source.name}' (${source.dir})`;
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new BuildContextError(`${label} cannot be read: ${error.code ?? error.message}; check the path.`, { cause: error });
  });
  if (!info.isDirectory()) throw new BuildContextError(`${label} is not a directory.`);

  const patterns = await readDockerignore(join(root, '.dockerignore'));
  // Docker matches case-sensitively on Linux, where CodeBuild runs; the library's default is case-insensitive
  // (the package is CommonJS; its factory is also its own `.default`, which is what TypeScript sees)
  const matcher = dockerignore.default({ ignorecase: false }).add(patterns);
  const hasExceptions = patterns.some((p) => p.trim().startsWith('!'));
  const isMain = source.name === undefined;
  const prefix = zipRoot(source);
  const out: ContextFile[] = [];

  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const absolutePath = join(dir, entry.name);
      const rel = toPosix(relative(root, absolutePath)).normalize('NFC');
      if (entry.isDirectory()) {
        // a directory can be skipped whole only when no `!pattern` could bring a file inside it back
        if (!hasExceptions && matcher.ignores(rel)) continue;
        await walk(absolutePath);
        continue;
      }
      const alwaysSent = isMain && ALWAYS_SENT.has(rel);
      if (!alwaysSent && matcher.ignores(rel)) continue;
      if (entry.isSymbolicLink()) {
        throw new BuildContextError(
          `${label}: ${rel} is a symbolic link; replace it with the file it points to, or list it in .dockerignore.`,
        );
      }
      if (!entry.isFile()) throw new BuildContextError(`${label}: ${rel} is not a regular file; list it in .dockerignore.`);
      out.push(await describeFile(absolutePath, `${prefix}/${rel}`));
    }
  };
  await walk(root);
  return out;
}

async function describeFile(absolutePath: string, zipPath: string): Promise<ContextFile> {
  const [content, info] = await Promise.all([readFile(absolutePath), stat(absolutePath)]);
  // the owner-execute bit decides; group/other bits and umask differences between machines do not
  const executable = Math.floor(info.mode / 0o100) % 2 === 1;
  return {
    zipPath,
    absolutePath,
    mode: executable ? 0o755 : 0o644,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
  };
}

async function readDockerignore(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split(/\r?\n/);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new BuildContextError(`${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

function toPosix(path: string): string {
  return path.split('\\').join('/');
}

/** Orders strings by UTF-16 code units, independent of locale and ICU data. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
