import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Directories made by tempDir in this test file, removed by removeTempDirs after the file's last test. */
const made = new Set<string>();

/**
 * A fresh directory under the system temp dir, removed when the test file ends (setup.ts, a vitest
 * setupFile of every project, calls removeTempDirs in afterAll). `prefix` names the dir for a human who
 * finds one left behind by a killed run.
 */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix.startsWith('ray-gitops') ? prefix : `ray-gitops-${prefix}`));
  made.add(dir);
  return dir;
}

/** Removes every directory tempDir made so far in this test file. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })));
}

/** tempDir for synchronous helpers: the same directory, removed the same way. */
export function tempDirSync(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix.startsWith('ray-gitops') ? prefix : `ray-gitops-${prefix}`));
  made.add(dir);
  return dir;
}
