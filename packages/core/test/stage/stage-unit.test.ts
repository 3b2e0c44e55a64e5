import {
  Crc32c,
  crc32c,
  crc32cBase64,
  globToRegExp,
  parseHfRef,
  parseS3Uri,
  partSizeFor,
  resolveHuggingFace,
  selectFiles,
  SourceAccessError,
  SourceNotFoundError,
  stagedKeys,
  type SourceFile,
} from '@ray-gitops/core';
import { FakeHub, TEST_TOKEN } from '@ray-gitops/testkit/hf-server';
import { generatedModel } from '@ray-gitops/testkit/model';
import { describe, expect, it } from 'vitest';
import { PROBE_BODY, PROBE_WRONG_CRC32C } from '../../src/stage/checksum-support.js';
import { retryAfterMs } from '../../src/stage/http.js';

const MiB = 1024 * 1024;
const files = (...paths: string[]): SourceFile[] => paths.map((path) => ({ path, size: 1 }));
const selected = (...paths: string[]) => selectFiles(files(...paths)).files.map((f) => f.path);

describe('file selection', () => {
  it('keeps config, tokenizer, sharded safetensors and index, and leaves out other formats', () => {
    expect(
      selected(
        'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json',
        'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json',
        'consolidated.safetensors', 'pytorch_model.bin', 'model.gguf', 'original/params.json', 'original/consolidated.00.pth', 'README.md', '.gitattributes',
      ),
    ).toEqual([
      'config.json', 'generation_config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors',
      'model.safetensors.index.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json',
    ]);
  });

  it('stages a Mistral-native layout: params.json, tekken.json and consolidated.safetensors', () => {
    expect(selected('params.json', 'tekken.json', 'consolidated.safetensors', 'README.md')).toEqual(['consolidated.safetensors', 'params.json', 'tekken.json']);
  });

  it('falls back to .bin weights only when there are no safetensors', () => {
    expect(selected('config.json', 'pytorch_model.bin', 'tokenizer.model')).toEqual(['config.json', 'pytorch_model.bin', 'tokenizer.model']);
  });

  it('lets --include replace the default and --exclude remove files', () => {
    const all = files('config.json', 'a/b/model.safetensors', 'original/x.pth', 'tokenizer.json');
    expect(selectFiles(all, { include: ['original/**', '*.json'] }).files.map((f) => f.path)).toEqual(['config.json', 'original/x.pth', 'tokenizer.json']);
    expect(selectFiles(all, { exclude: ['tokenizer.*'] }).files.map((f) => f.path)).toEqual(['a/b/model.safetensors', 'config.json']);
  });

  it('matches globs the way .gitignore users expect', () => {
    expect(globToRegExp('*.json').test('sub/config.json')).toBe(true);
    expect(globToRegExp('sub/*.json').test('sub/deeper/config.json')).toBe(false);
    expect(globToRegExp('**/x.bin').test('x.bin')).toBe(true);
    expect(globToRegExp('model-{00001,00002}*').test('model-00002-of-00002.safetensors')).toBe(true);
  });
});

describe('S3 layout and parts', () => {
  it('puts files under prefix/org/name/commit/ and the manifest under prefix/.manifests/', () => {
    expect(stagedKeys(parseS3Uri('s3://bucket/models/'), { org: 'Qwen', name: 'Qwen2.5-7B', commit: 'abc' })).toEqual({
      modelPrefix: 'models/Qwen/Qwen2.5-7B/abc/',
      manifestKey: 'models/.manifests/Qwen/Qwen2.5-7B/abc.json',
    });
    expect(stagedKeys(parseS3Uri('s3://bucket'), { org: 'o', name: 'n', commit: 'c' }).manifestKey).toBe('.manifests/o/n/c.json');
    expect(() => parseS3Uri('https://bucket/x')).toThrow(/s3:\/\/BUCKET\/PREFIX/);
  });

  it('sizes parts to stay under 10,000 parts, never under 5 MiB', () => {
    expect(partSizeFor(100 * MiB, 1)).toBe(5 * MiB);
    expect(partSizeFor(100 * MiB, 16 * MiB)).toBe(16 * MiB);
    const huge = 150 * 1024 * MiB;
    expect(Math.ceil(huge / partSizeFor(huge, 16 * MiB))).toBeLessThan(10_000);
    const giant = 1024 * 1024 * MiB;
    expect(Math.ceil(giant / partSizeFor(giant, 16 * MiB))).toBeLessThan(10_000);
  });

  it('computes CRC-32C as S3 does, in one call or chunk by chunk', async () => {
    expect((await crc32c(Buffer.from('123456789'))).toString(16)).toBe('e3069283');
    const data = Buffer.from('The quick brown fox jumps over the lazy dog, twice over and again');
    expect((await Crc32c.create()).update(data.subarray(0, 13)).update(data.subarray(13)).value()).toBe(await crc32c(data));
    expect((await Crc32c.create()).update(data).base64()).toBe(crc32cBase64(await crc32c(data)));
  });

  it("probes a store's CRC32C check with a checksum the probe body does not have, one bit from its own", async () => {
    const own = await crc32c(Buffer.from(PROBE_BODY));
    const wrong = Buffer.from(PROBE_WRONG_CRC32C, 'base64').readUInt32BE();
    expect(wrong).not.toBe(own);
    // eslint-disable-next-line no-bitwise -- the two differ in exactly one bit
    expect((wrong ^ own) >>> 0).toBe(1);
  });

  it('computes the same CRC-32C as the bit-by-bit definition at every alignment and length', async () => {
    /* eslint-disable no-bitwise -- the reference is the CRC's definition */
    const reference = (bytes: Uint8Array) => {
      let crc = 0xffffffff;
      for (const byte of bytes) {
        crc ^= byte;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return ~crc >>> 0;
    };
    /* eslint-enable no-bitwise */
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 151 + 7) % 256));
    for (let start = 0; start < 8; start++) {
      for (const length of [0, 1, 3, 15, 16, 17, 64, 100, 292 - start]) {
        const slice = data.subarray(start, start + length);
        expect(await crc32c(slice)).toBe(reference(slice));
      }
    }
  });
});

describe('Hugging Face protocol', () => {
  it('parses REPO[@REV] references', () => {
    expect(parseHfRef('Qwen/Qwen2.5-7B-Instruct')).toEqual({ repo: 'Qwen/Qwen2.5-7B-Instruct', revision: 'main' });
    expect(parseHfRef('org/name@v1.0')).toEqual({ repo: 'org/name', revision: 'v1.0' });
    expect(() => parseHfRef('not-a-repo')).toThrow(/org\/name/);
  });

  it('reads Retry-After in seconds or as a date, and RateLimit reset', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(retryAfterMs(new Headers({ ratelimit: '"api";r=0;t=42' }))).toBe(42_000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });

  it('resolves a revision, lists every page of the tree, and says clearly what is missing or gated', async () => {
    const repo = generatedModel('acme/listing', [1, 1, 1]);
    const hub = new FakeHub([repo, generatedModel('acme/locked', [1], { gated: true })]);
    await hub.start();
    try {
      const source = await resolveHuggingFace('acme/listing', 'v1.0', { endpoint: hub.endpoint, token: '' });
      expect(source.commit).toBe(repo.commit);
      expect(source.files.map((f) => f.path).sort()).toEqual(repo.files.map((f) => f.path).sort());
      expect(source.files.find((f) => f.path === 'config.json')!.gitSha1).toMatch(/^[0-9a-f]{40}$/);
      expect(source.files.find((f) => f.path.startsWith('model-'))!.sha256).toBe(hub.sha256('acme/listing', 'model-00001-of-00003.safetensors'));
      await expect(resolveHuggingFace('acme/nope', 'main', { endpoint: hub.endpoint, token: '' })).rejects.toThrow(SourceNotFoundError);
      await expect(resolveHuggingFace('acme/nope', 'main', { endpoint: hub.endpoint, token: '' })).rejects.toThrow(/no such repository \(or it is private: set HF_TOKEN\)/);
      await expect(resolveHuggingFace('acme/listing', 'no-such-branch', { endpoint: hub.endpoint, token: '' })).rejects.toThrow(/RevisionNotFound.*no such branch/);
      await expect(resolveHuggingFace('acme/locked', 'main', { endpoint: hub.endpoint, token: '' })).rejects.toThrow(SourceAccessError);
      const wrong = resolveHuggingFace('acme/locked', 'main', { endpoint: hub.endpoint, token: 'hf_wrong' });
      await expect(wrong).rejects.toThrow(/HF_TOKEN's account has no access/);
      await expect(wrong).rejects.not.toThrow(/hf_wrong/);
      expect((await resolveHuggingFace('acme/locked', 'main', { endpoint: hub.endpoint, token: TEST_TOKEN })).commit).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      await hub.stop();
    }
  });

  it('says which file the Hub no longer has when a listed file is gone (EntryNotFound)', async () => {
    const repo = generatedModel('acme/shrinking', [1]);
    const hub = new FakeHub([repo]);
    await hub.start();
    try {
      const source = await resolveHuggingFace('acme/shrinking', 'main', { endpoint: hub.endpoint, token: '' });
      const config = source.files.find((f) => f.path === 'config.json')!;
      repo.files.splice(repo.files.findIndex((f) => f.path === 'config.json'), 1);
      const opening = source.open(config, 0);
      await expect(opening).rejects.toThrow(SourceNotFoundError);
      await expect(opening).rejects.toThrow(/acme\/shrinking\/config\.json .*EntryNotFound\): not found at the source/);
    } finally {
      await hub.stop();
    }
  });

  it('waits out 429s and reads files across the redirect with Range after a reset', async () => {
    const repo = generatedModel('acme/flaky', [3]);
    const hub = new FakeHub([repo]);
    await hub.start();
    Object.assign(hub.faults, { rate429: 0.3, resetRate: 0.5 });
    try {
      const source = await resolveHuggingFace('acme/flaky', 'main', { endpoint: hub.endpoint, token: TEST_TOKEN, retry: { attempts: 20, baseMs: 1, maxMs: 5 } });
      const { resilientChunks } = await import('../../src/stage/read.js');
      const file = source.files.find((f) => f.path.startsWith('model-'))!;
      const hash = (await import('node:crypto')).createHash('sha256');
      for await (const chunk of resilientChunks(source, file, 0, { policy: { attempts: 20, baseMs: 1, maxMs: 5 } })) hash.update(chunk);
      expect(hash.digest('hex')).toBe(file.sha256);
      expect(hub.stats.authOnCdn).toBe(0);
      expect(hub.stats.throttled + hub.stats.resets).toBeGreaterThan(0);
    } finally {
      await hub.stop();
    }
  });
});
