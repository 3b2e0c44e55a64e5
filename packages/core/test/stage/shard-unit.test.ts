import { describe, expect, test } from 'vitest';
import { assignShards, parseShard } from '../../src/stage/index.js';

const MiB = 1024 * 1024;
const files = [
  { path: 'config.json', size: 700 },
  { path: 'tokenizer.json', size: 3 * MiB },
  ...Array.from({ length: 9 }, (_, i) => ({ path: `model-0000${i + 1}-of-00009.safetensors`, size: (40 - i * 3) * MiB })),
];

describe('assignShards', () => {
  test('gives every file to exactly one shard, the same way whatever order the source lists them in', () => {
    const shards = assignShards(files, 4);
    expect(shards.flat().map((f) => f.path).sort()).toEqual(files.map((f) => f.path).sort());
    expect(assignShards([...files].reverse(), 4)).toEqual(shards);
  });

  test('balances bytes: no shard exceeds the fair share by more than the largest file', () => {
    const total = files.reduce((sum, f) => sum + f.size, 0);
    for (const n of [2, 3, 4, 8]) {
      for (const shard of assignShards(files, n)) expect(shard.reduce((sum, f) => sum + f.size, 0)).toBeLessThanOrEqual(total / n + 40 * MiB);
    }
  });

  test('leaves shards empty when there are more shards than files', () => {
    const shards = assignShards(files.slice(0, 2), 4);
    expect(shards.map((s) => s.length)).toEqual([1, 1, 0, 0]);
  });
});

describe('parseShard', () => {
  test('reads K/N with the Job completion index as K', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
  });

  test.each(['4/4', '1/0', '-1/2', '1/65', '1', 'a/b', '1/2/3'])('refuses %s in one line', (text) => {
    expect(() => parseShard(text)).toThrow(`--shard must be K/N with N from 1 to 64 and K from 0 to N-1 (the Job's completion index), not '${text}'`);
  });
});
