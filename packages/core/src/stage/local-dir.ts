import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { quotedName, requireSafeEntryName } from './entry-path.js';
import { selectFiles, type SelectOptions } from './select.js';
import type { ResolvedSource, SourceFile } from './types.js';
import { InputFileError } from '../errors/index.js';

/** The org word for sources without one (local directories, URLs). */
const LOCAL_ORG = 'local';

/** A model name usable as an S3 path segment. */
export function safeName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

/** A content hash over the sorted (path, size, sha256) list: the "commit" of a source without one. */
function contentCommit(files: readonly { path: string; size: number; sha256?: string }[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) hash.update(`${f.sha256 ?? ''} ${f.size} ${f.path}\n`);
  return `sha256-${hash.digest('hex').slice(0, 32)}`;
}

/**
 * A local directory (fine-tuned weights on disk). Files are hashed first, so the commit is a
 * content hash and each upload is checked against the bytes that were hashed.
 */
export async function resolveLocalDir(
  dir: string,
  options: { name?: string; selection?: SelectOptions; /** links and special files passed over */ onNote?: (message: string) => void } = {},
): Promise<ResolvedSource> {
  const root = resolve(dir);
  let paths: string[];
  try {
    if (!(await stat(root)).isDirectory()) throw new InputFileError(`--dir ${dir} is not a directory`);
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    const relativePath = (entry: { parentPath: string; name: string }) => join(entry.parentPath, entry.name).slice(root.length + 1).split('\\').join('/');
    paths = entries.filter((entry) => entry.isFile()).map(relativePath).sort();
    // as rclone does without --copy-links: links are not followed, and said so
    const skipped = entries.filter((entry) => !entry.isFile() && !entry.isDirectory()).map((entry) => quotedName(relativePath(entry))).sort();
    if (skipped.length > 0) {
      options.onNote?.(`${dir}: not staging ${skipped.length} symbolic link(s) or special file(s), only regular files are: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', …' : ''}`);
    }
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(`cannot read the model directory '${dir}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  const listed: SourceFile[] = [];
  for (const path of paths) requireSafeEntryName(path, `the directory ${dir}`);
  for (const path of paths) listed.push({ path, size: (await stat(join(root, path))).size });
  // only the files that will be staged are hashed
  const files: SourceFile[] = [];
  for (const file of selectFiles(listed, options.selection).files) files.push({ ...file, sha256: await hashFile(join(root, file.path)) });
  return {
    description: `dir:${root}`,
    kind: 'dir',
    org: LOCAL_ORG,
    name: safeName(options.name ?? basename(root)),
    commit: contentCommit(files),
    files,
    open(file, offset) {
      return Promise.resolve(createReadStream(join(root, file.path), { start: offset, highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>);
    },
  };
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
