import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RGD_PATH, type BuildPlanOptions } from '@ray-gitops/core';
import { QWEN_2_5_7B } from './fit-configs.js';
import type { HubModel } from './hub.js';
import { REPO_ROOT } from './paths.js';
import { tempDir } from './temp.js';

export { REPO_ROOT };

/** The plan options for a repository laid out as this one: gitops/, gitops/models, docker/, serve/. */
export function planOptions(root: string, extra: Partial<BuildPlanOptions> = {}): BuildPlanOptions {
  return {
    catalogDir: join(root, 'gitops', 'models'),
    outDir: join(root, 'gitops'),
    contextDir: join(root, 'docker'),
    namedContexts: { serve: join(root, 'serve') },
    ...extra,
  };
}

/** A temporary copy of the repository files a plan reads, to change without touching the real ones. */
export async function copyRepository(): Promise<string> {
  const root = await tempDir('ray-gitops-plan-');
  for (const dir of ['gitops', 'docker', 'serve']) await cp(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
  return root;
}

/** Rewrites every mention of the committed image in the committed RGD, as a render with that image would. */
export async function setCommittedImage(root: string, image: string): Promise<void> {
  const file = join(root, 'gitops', RGD_PATH);
  const text = await readFile(file, 'utf8');
  const current = /ray-gitops\.io\/image: (\S+)/.exec(text)![1]!;
  await writeFile(file, text.split(current).join(image));
}

const SHARD = 3_900_000_000;

/** Qwen2.5-7B-Instruct as the Hub lists it: four shards and their index, tokenizer, and files staging leaves out. */
export const QWEN_ON_HUB: HubModel = {
  config: QWEN_2_5_7B,
  commit: 'a09a35458c702b33eeacc393d103063234e8bc28',
  files: [
    { path: '.gitattributes', size: 1519 },
    { path: 'LICENSE', size: 11343 },
    { path: 'README.md', size: 6124 },
    { path: 'config.json', size: 663 },
    { path: 'generation_config.json', size: 243 },
    { path: 'merges.txt', size: 1_671_839 },
    { path: 'model-00001-of-00004.safetensors', size: SHARD, lfs: true },
    { path: 'model-00002-of-00004.safetensors', size: SHARD, lfs: true },
    { path: 'model-00003-of-00004.safetensors', size: SHARD, lfs: true },
    { path: 'model-00004-of-00004.safetensors', size: 3_500_000_000, lfs: true },
    { path: 'model.safetensors.index.json', size: 27_752 },
    { path: 'pytorch_model.bin', size: 15_000_000_000, lfs: true },
    { path: 'tokenizer.json', size: 7_031_645, lfs: true },
    { path: 'tokenizer_config.json', size: 7_305 },
    { path: 'vocab.json', size: 2_776_833 },
  ],
};

/** What staging copies of QWEN_ON_HUB: everything but the git files, the license, the readme and the .bin. */
export const QWEN_STAGED = { files: 11, bytes: 663 + 243 + 1_671_839 + 3 * SHARD + 3_500_000_000 + 27_752 + 7_031_645 + 7_305 + 2_776_833 };
