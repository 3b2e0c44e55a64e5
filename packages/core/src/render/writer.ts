import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { GENERATED_MARKER, type RenderedFile } from './yaml-out.js';
import { InputFileError } from '../errors/errors.js';

type FileChangeKind = 'added' | 'changed' | 'deleted';

/** One file that differs between the rendered tree and the output directory. */
export interface FileChange {
  /** relative to the output directory, with `/` */
  readonly path: string;
  readonly kind: FileChangeKind;
}

export interface WritePlan {
  /** sorted by path */
  readonly changes: FileChange[];
  readonly unchanged: number;
}

interface WriteOptions {
  /** directories (absolute, or relative to the working directory) the writer never looks into, e.g. the catalog */
  readonly exclude?: readonly string[];
}

/**
 * Compares the rendered files with the output directory: new and different files, and files an
 * earlier render wrote (they start with the generated marker) that are no longer rendered, such as a
 * removed model's instance. Files without the marker are never touched: one in the way of a rendered
 * file is an error.
 */
async function planRenderedFiles(outDir: string, files: readonly RenderedFile[], options: WriteOptions = {}): Promise<WritePlan> {
  const wanted = new Map<string, string>();
  for (const file of files) {
    checkRelativePath(file.path);
    if (wanted.has(file.path)) throw new Error(`render produced ${file.path} twice`);
    wanted.set(file.path, file.content);
  }
  const excluded = (options.exclude ?? []).map((dir) => resolve(dir));
  const existing = await ownedFiles(resolve(outDir), excluded);

  const changes: FileChange[] = [];
  let unchanged = 0;
  for (const [path, content] of wanted) {
    const current = await readIfExists(join(outDir, path));
    if (current !== undefined && current !== content && !current.startsWith(GENERATED_MARKER)) {
      throw new InputFileError(
        `${join(outDir, path)} exists and was not written by ray-gitops render (it lacks the '${GENERATED_MARKER}' header); ` +
          'move it out of the way, or delete it, and render again',
      );
    }
    if (current === undefined) changes.push({ path, kind: 'added' });
    else if (current !== content) changes.push({ path, kind: 'changed' });
    else unchanged += 1;
  }
  for (const path of existing) if (!wanted.has(path)) changes.push({ path, kind: 'deleted' });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, unchanged };
}

/** Carries out a plan: writes added and changed files (atomically, by rename), deletes the rest, prunes emptied directories. */
async function applyWritePlan(outDir: string, files: readonly RenderedFile[], plan: WritePlan): Promise<void> {
  const content = new Map(files.map((file) => [file.path, file.content]));
  for (const change of plan.changes) {
    const target = join(outDir, change.path);
    if (change.kind === 'deleted') {
      await rm(target, { force: true });
      await pruneEmptyDirectories(dirname(target), resolve(outDir));
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.ray-gitops-${process.pid}.tmp`;
    await writeFile(temporary, content.get(change.path)!, 'utf8');
    await rename(temporary, target);
  }
}

/** Plans, and unless `check` applies; returns the plan either way. Unchanged inputs write nothing. */
export async function writeRenderedFiles(
  outDir: string,
  files: readonly RenderedFile[],
  options: WriteOptions & { check?: boolean } = {},
): Promise<WritePlan> {
  const plan = await planRenderedFiles(outDir, files, options);
  if (!options.check) await applyWritePlan(outDir, files, plan);
  return plan;
}

function checkRelativePath(path: string): void {
  if (path === '' || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`rendered path '${path}' must be relative and normalized`);
  }
}

async function ownedFiles(root: string, excluded: readonly string[]): Promise<string[]> {
  const owned: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dir === root) return;
      if (code === 'ENOTDIR' && dir === root) throw new InputFileError(`output directory '${root}' is not a directory`);
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.') || excluded.some((skip) => path === skip || path.startsWith(skip + sep))) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (await startsWithMarker(path))) owned.push(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return owned;
}

async function startsWithMarker(file: string): Promise<boolean> {
  const text = await readIfExists(file);
  return text !== undefined && text.startsWith(GENERATED_MARKER);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function pruneEmptyDirectories(dir: string, root: string): Promise<void> {
  let current = resolve(dir);
  while (current !== root && current.startsWith(root + sep)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty (or already gone): stop
    }
    current = dirname(current);
  }
}
