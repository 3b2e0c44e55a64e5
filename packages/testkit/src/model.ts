import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileBytes, type FakeFile, type FakeRepo } from './hf-server.js';

const MiB = 1024 * 1024;

/** A generated model laid out as on the Hub: config, tokenizer, sharded safetensors + index, and files the stager must leave out. */
export function generatedModel(repo: string, shardMiB: number[], options: { gated?: boolean; commit?: string } = {}): FakeRepo {
  const shards = shardMiB.map((mib, i) => ({ path: `model-${String(i + 1).padStart(5, '0')}-of-${String(shardMiB.length).padStart(5, '0')}.safetensors`, size: mib * MiB + 12345 * (i + 1), lfs: true }));
  const files: FakeFile[] = [
    { path: 'config.json', size: 700, lfs: false },
    { path: 'generation_config.json', size: 180, lfs: false },
    { path: 'tokenizer.json', size: 3 * MiB + 517, lfs: false },
    { path: 'tokenizer_config.json', size: 5_000, lfs: false },
    { path: 'model.safetensors.index.json', size: 24_000, lfs: false },
    ...shards,
    { path: 'consolidated.safetensors', size: 6 * MiB, lfs: true },
    { path: 'pytorch_model.bin', size: 2 * MiB, lfs: true },
    { path: 'original/params.json', size: 300, lfs: false },
    { path: 'README.md', size: 900, lfs: false },
  ];
  const commit = options.commit ?? 'c0ffee'.padEnd(40, '7');
  return { repo, commit, branches: { 'main': commit, 'v1.0': commit }, files, ...(options.gated ? { gated: true } : {}) };
}

/** The staged selection of a generated model. */
export function expectedPaths(repo: FakeRepo): string[] {
  return repo.files
    .map((f) => f.path)
    .filter((p) => !['consolidated.safetensors', 'pytorch_model.bin', 'original/params.json', 'README.md'].includes(p))
    .sort();
}

/** Writes a generated model's files into a directory, as fine-tuned weights on disk. */
export async function writeModelDir(dir: string, repo: FakeRepo): Promise<void> {
  for (const file of repo.files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), fileBytes(file, 0, file.size));
  }
}
