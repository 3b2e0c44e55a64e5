import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@ray-gitops/testkit/temp';
import { expect, test } from 'vitest';
import { COLLECT_EVERY_BYTES } from '../../src/stage/dropped-chunks.js';
import { resolveLocalDir } from '../../src/stage/local-dir.js';
import { resilientChunks } from '../../src/stage/read.js';

const MiB = 1024 * 1024;

test('source chunks the stager has copied out are freed as it reads, not left for a full collection', async () => {
  const dir = await tempDir('dropped-chunks-');
  await writeFile(join(dir, 'config.json'), '{}');
  await writeFile(join(dir, 'model.safetensors'), Buffer.alloc(96 * MiB, 7));
  const source = await resolveLocalDir(dir);
  const weights = source.files.find((f) => f.path === 'model.safetensors')!;
  const part = Buffer.allocUnsafe(8 * MiB);
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let read = 0;
  for await (const chunk of resilientChunks(source, weights, 0)) {
    // as a part buffer is filled: the bytes are copied out and the chunk is dropped
    part.set(chunk, read % part.length);
    read += chunk.length;
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
  }
  expect(read).toBe(96 * MiB);
  // 96 MiB went through in 1 MiB chunks; without the early collections most of them are still held
  expect(peak).toBeLessThan(COLLECT_EVERY_BYTES + 8 * MiB);
});
