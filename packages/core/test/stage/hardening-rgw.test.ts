import { createHash } from 'node:crypto';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  createStageS3Client,
  IntegrityError,
  resolveHuggingFace,
  resolveLocalDir,
  resolveTarUrl,
  stageModel,
  StageError,
  UsageError,
  type Reporter,
  type StageManifest,
} from '@ray-gitops/core';
import { closedPort, gnuTarList, pythonTar, serveArchive, startSilentServer } from '@ray-gitops/testkit/archives';
import { generatedModel, writeModelDir } from '@ray-gitops/testkit/model';
import type { S3FaultProxy } from '@ray-gitops/testkit/s3-proxy';
import { startStagingBench, type StagingBench } from '@ray-gitops/testkit/staging-bench';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUCKET = 'hardening';
const MiB = 1024 * 1024;
let bench: StagingBench;
let proxy: S3FaultProxy;
let direct: S3Client;
let work: string;
const stalled = generatedModel('acme/stalled-llm', [12], { commit: '5a'.repeat(20) });

function recordingReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`), error: (m) => lines.push(`error: ${m}`), group: (_t, w) => w(), secret: () => undefined };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function objectBytes(key: string): Promise<Buffer> {
  const answer = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
}

async function openUploads(prefix: string): Promise<number> {
  return (await direct.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))).Uploads?.length ?? 0;
}

/** Bytes that are not all alike, so a shifted or truncated read cannot pass for the right one. */
function patterned(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + Math.floor(i / 251)) % 256;
  return out;
}

beforeAll(async () => {
  ({ proxy, direct } = bench = await startStagingBench('hardening', BUCKET, [stalled]));
  work = await tempDir('stage-hardening-');
}, 600_000);

afterAll(() => bench?.stop(), 120_000);

describe('the .tar reader reads what tar writes', () => {
  it('stages a member whose size is only in its pax header, pax path/linkpath, a global header and GNU long names, byte-identical', async () => {
    const config = Buffer.from('{"model_type":"llama","hidden_size":64}\n');
    const shard = patterned(6 * MiB + 4321, 1);
    const tokenizer = patterned(70_001, 2);
    const longDir = `${'Ünïcode-directory-'.repeat(7)}x`;
    const archive = join(work, 'pax.tar');
    await pythonTar(
      archive,
      [
        { name: 'model/config.json', data: config, paxSizeOnly: true },
        { name: 'model/model-00001-of-00001.safetensors', data: shard, paxSizeOnly: true },
        { name: `model/${longDir}/tokenizer.json`, data: tokenizer },
        { name: 'model/tokenizer_config.json', data: Buffer.from('{}'), pax: { path: 'model/tokenizer_config.json', comment: 'overridden path' } },
        { name: 'model/link.json', type: 'symlink', linkname: `${'t'.repeat(150)}.json` },
        { name: 'model/hard.json', type: 'hardlink', linkname: 'model/config.json' },
      ],
      { globalPax: { comment: 'a pax global header' } },
    );
    // GNU tar agrees the archive is whole, and the ustar size field of the shard really is 0
    expect(await gnuTarList(archive)).toContain('model/model-00001-of-00001.safetensors');
    const bytes = await readFile(archive);
    const shardHeader = bytes.indexOf('model/model-00001-of-00001.safetensors\0');
    expect(bytes.subarray(shardHeader + 124, shardHeader + 135).toString('latin1')).toBe('00000000000');

    const server = await serveArchive(archive);
    try {
      const notes: string[] = [];
      const source = await resolveTarUrl(server.url('/releases/pax-model.tar'), { sha256: sha256(bytes), onNote: (m) => notes.push(m) });
      expect(source.files.map((f) => [f.path, f.size])).toEqual([
        ['config.json', config.length],
        ['model-00001-of-00001.safetensors', shard.length],
        [`${longDir}/tokenizer.json`, tokenizer.length],
        ['tokenizer_config.json', 2],
      ]);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain('"model/link.json" (symbolic link to "tttttttttt');
      expect(notes[0]).toContain('"model/hard.json" (hard link to "model/config.json")');
      const result = await stageModel({ source, dest: `s3://${BUCKET}/pax`, storageClass: '', partSize: 5 * MiB });
      const prefix = result.s3Uri.replace(`s3://${BUCKET}/`, '');
      expect(sha256(await objectBytes(`${prefix}model-00001-of-00001.safetensors`))).toBe(sha256(shard));
      expect(sha256(await objectBytes(`${prefix}config.json`))).toBe(sha256(config));
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('reads GNU long names (L) from a GNU-format archive', async () => {
    const archive = join(work, 'gnu.tar');
    const longName = `model/${'g'.repeat(140)}/config.json`;
    await pythonTar(archive, [{ name: longName, data: Buffer.from('{"a":1}') }, { name: 'model/x.safetensors', data: patterned(1000, 3) }], { format: 'gnu' });
    expect((await readFile(archive)).includes('././@LongLink')).toBe(true);
    const server = await serveArchive(archive);
    try {
      const source = await resolveTarUrl(server.url('/gnu.tar'));
      expect(source.files.map((f) => f.path)).toEqual([longName.slice('model/'.length), 'x.safetensors']);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('refuses a pax record over 1 MiB with one line, before staging anything', async () => {
    const archive = join(work, 'huge-pax.tar');
    await pythonTar(archive, [{ name: 'model/config.json', data: Buffer.from('{}'), pax: { comment: 'x'.repeat(2 * MiB) } }]);
    const server = await serveArchive(archive);
    try {
      const failure = await resolveTarUrl(server.url('/huge.tar')).then(() => new Error('it did not fail'), (e: unknown) => e as Error);
      expect(failure).toBeInstanceOf(StageError);
      expect(failure.message).toMatch(/pax extended header at byte 0 is \d+ bytes; refusing metadata records over 1048576 bytes/);
      expect(failure.message).not.toContain('\n');
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('hostile entry names', () => {
  const hostile = ['model/../../etc/cron.d/x', '/etc/config.json', 'model/./config.json', 'model\\config.json', 'model/evil\n::error::forged.json', 'model//config.json'];
  for (const name of hostile) {
    it(`refuses an archive with the entry ${JSON.stringify(name)}, naming it, writing nothing`, async () => {
      const archive = join(work, `hostile-${createHash('md5').update(name).digest('hex')}.tar`);
      await pythonTar(archive, [{ name: 'model/config.json', data: Buffer.from('{}') }, { name, data: Buffer.from('pwned') }]);
      const server = await serveArchive(archive);
      const dest = `hostile-${createHash('md5').update(name).digest('hex').slice(0, 8)}/`;
      const from = proxy.ops.length;
      try {
        const failure = await resolveTarUrl(server.url('/hostile.tar'))
          .then((source) => stageModel({ source, dest: `s3://${BUCKET}/${dest}`, storageClass: '' }))
          .then(() => new Error('it did not fail'), (e: unknown) => e as Error);
        expect(failure).toBeInstanceOf(StageError);
        expect(failure.message).toContain(JSON.stringify(name));
        expect(failure.message).not.toContain('\n');
        expect(proxy.ops.length).toBe(from);
        expect(await keysUnder(dest)).toEqual([]);
      } finally {
        await server.stop();
      }
    }, 60_000);
  }
});

describe('links in a local directory', () => {
  it('are not followed, and a note says which were left out', async () => {
    const dir = join(work, 'linked');
    await writeModelDir(dir, generatedModel('local/linked', [1]));
    await symlink(join(dir, 'config.json'), join(dir, 'linked-config.json'));
    await symlink('/etc/passwd', join(dir, 'tokenizer.model'));
    const notes: string[] = [];
    const source = await resolveLocalDir(dir, { onNote: (m) => notes.push(m) });
    expect(source.files.map((f) => f.path)).not.toContain('tokenizer.model');
    expect(notes).toEqual([`${dir}: not staging 2 symbolic link(s) or special file(s), only regular files are: "linked-config.json", "tokenizer.model"`]);
  });
});

describe('https only', () => {
  it('takes http:// archive URLs and Hub endpoints only for loopback hosts', async () => {
    await expect(resolveTarUrl('http://192.0.2.10/model.tar')).rejects.toThrow(UsageError);
    await expect(resolveTarUrl('http://192.0.2.10/model.tar')).rejects.toThrow(/https:\/\/ URL \(http:\/\/ only for a loopback host/);
    await expect(resolveTarUrl('ftp://example.com/model.tar')).rejects.toThrow(UsageError);
    await expect(resolveHuggingFace('acme/x', 'main', { endpoint: 'http://hub.example.com' })).rejects.toThrow(/HF_ENDPOINT\) must be an https:\/\//);
  });

  it('refuses a compressed answer (Content-Encoding) for the listing and follows no redirect to another scheme', async () => {
    const archive = join(work, 'plain.tar');
    await pythonTar(archive, [{ name: 'model/config.json', data: Buffer.from('{}') }]);
    const server = await serveArchive(archive);
    try {
      server.headers = { 'content-encoding': 'gzip' };
      await expect(resolveTarUrl(server.url('/gz.tar'))).rejects.toThrow(/Content-Encoding 'gzip'; only uncompressed bodies are accepted/);
      server.headers = {};
      server.redirectTo = 'file:///etc/passwd';
      await expect(resolveTarUrl(server.url('/redirect.tar'))).rejects.toThrow(/redirected to file:\/\/\/etc\/passwd; only https/);
      server.redirectTo = 'http://192.0.2.10/model.tar';
      await expect(resolveTarUrl(server.url('/redirect.tar'))).rejects.toThrow(/only https:\/\/ \(or http:\/\/ on a loopback host\) is followed/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('stalled endpoints', () => {
  it('ends within twice the timeout with one line naming the S3 endpoint and the operation', async () => {
    const silent = await startSilentServer();
    const dir = join(work, 'stall-dir');
    await writeModelDir(dir, generatedModel('local/stall', [1]));
    try {
      const source = await resolveLocalDir(dir);
      const s3 = await createStageS3Client({ endpoint: silent.endpoint, timeoutMs: 2000 });
      const started = Date.now();
      const failure = await stageModel({ source, dest: `s3://${BUCKET}/stall`, s3, storageClass: '', timeoutMs: 2000 }).then(() => new Error('it did not fail'), (e: unknown) => e as Error);
      const elapsed = Date.now() - started;
      expect(failure).toBeInstanceOf(StageError);
      expect(failure.message).toMatch(new RegExp(`GetObject s3://${BUCKET}/stall/\\.manifests/.*: S3 at ${silent.endpoint} sent nothing for 2 s \\(tried 2 times\\); check the endpoint, or raise --timeout`));
      expect(failure.message).not.toContain('\n');
      // 2 × 2 s, and a little for the run's own setup
      expect(elapsed).toBeLessThan(4_500);
      expect(elapsed).toBeGreaterThanOrEqual(2_000);
    } finally {
      await silent.stop();
    }
  }, 60_000);

  it('a store that goes silent mid-upload fails the run within twice the timeout; the next run leaves no open upload', async () => {
    const dest = `s3://${BUCKET}/stalled`;
    let stallStarted: number | undefined;
    proxy.faults.stall = (req, url) => {
      const stall = req.method === 'PUT' && url.searchParams.get('partNumber') === '2';
      if (stall) stallStarted ??= Date.now();
      return stall;
    };
    let failure: Error | undefined;
    let elapsed = 0;
    try {
      const source = await resolveHuggingFace('acme/stalled-llm', 'main');
      failure = await stageModel({ source, dest, storageClass: '', partSize: 5 * MiB, timeoutMs: 2000 }).then(() => undefined, (e: unknown) => e as Error);
      // from the moment the store went silent
      elapsed = Date.now() - stallStarted!;
    } finally {
      delete proxy.faults.stall;
    }
    expect(failure).toBeInstanceOf(StageError);
    expect(failure!.message).toMatch(/UploadPart s3:\/\/hardening\/stalled\/acme\/stalled-llm\/.*part 2: S3 at http:\/\/127\.0\.0\.1:\d+ sent nothing for 2 s/);
    expect(elapsed).toBeLessThan(2 * 2000 + 500);
    expect(proxy.stalled).toBeGreaterThan(0);
    const source = await resolveHuggingFace('acme/stalled-llm', 'main');
    const result = await stageModel({ source, dest, storageClass: '', partSize: 5 * MiB });
    expect(result.files.some((f) => f.action === 'resumed')).toBe(true);
    expect(await openUploads('stalled/')).toBe(0);
  }, 120_000);

  it('a .tar URL that accepts and never answers ends within twice the timeout, and a refused Hub is one line', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const failure = await resolveTarUrl(`${silent.endpoint}/model.tar`, { timeoutMs: 1500 }).then(() => new Error('it did not fail'), (e: unknown) => e as Error);
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(failure.message).toMatch(/reading the archive http:\/\/127\.0\.0\.1:\d+\/model\.tar: http:\/\/127\.0\.0\.1:\d+\/model\.tar sent nothing for 1\.5 s/);
    } finally {
      await silent.stop();
    }
    const port = await closedPort();
    const retries: string[] = [];
    const refused = await resolveHuggingFace('acme/x', 'main', { endpoint: `http://127.0.0.1:${port}`, retry: { attempts: 3, baseMs: 10, maxMs: 20 }, onRetry: (m) => retries.push(m) }).then(() => new Error('it did not fail'), (e: unknown) => e as Error,
    );
    expect(refused).toBeInstanceOf(StageError);
    expect(refused.message).toBe(`resolving acme/x@main: the Hugging Face Hub at http://127.0.0.1:${port} refused the connection (tried 3 times); check HF_ENDPOINT and the network (is the Hub reachable from here?)`);
    expect(retries[1]).toMatch(new RegExp(`^the Hugging Face Hub at http://127\\.0\\.0\\.1:${port} refused the connection \\(resolving acme/x@main\\), retry 2/2 in \\d+ ms$`));
  }, 60_000);
});

describe('a source that goes away mid-run', () => {
  it('is named as the source in one line, not blamed on S3', async () => {
    const archive = join(work, 'gone.tar');
    await pythonTar(archive, [{ name: 'model/config.json', data: Buffer.from('{}') }, { name: 'model/model.safetensors', data: patterned(4000, 5) }]);
    const server = await serveArchive(archive);
    const source = await resolveTarUrl(server.url('/gone.tar'));
    await server.stop();
    const failure = await stageModel({ source, dest: `s3://${BUCKET}/gone`, storageClass: '', retry: { attempts: 3, baseMs: 5, maxMs: 10 } }).then(() => new Error('it did not fail'), (e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(StageError);
    expect(failure.message).toMatch(/^reading (config\.json|model\.safetensors): the source \(url:http:\/\/127\.0\.0\.1:\d+\/gone\.tar\) refused the connection \(tried 3 times\); check the network and the source/);
    expect(await keysUnder('gone/.manifests/')).toEqual([]);
  }, 60_000);
});

describe('re-runs check objects, recheck checks bytes', () => {
  async function stageTiny(dest: string, options: { recheck?: boolean } = {}) {
    const reporter = recordingReporter();
    const source = await resolveLocalDir(join(work, 'tiny'));
    const result = await stageModel({ source, dest: `s3://${BUCKET}/${dest}`, storageClass: '', partSize: 5 * MiB, reporter, ...options });
    return { result, reporter, prefix: result.s3Uri.replace(`s3://${BUCKET}/`, '') };
  }

  /** Replaces an object with other bytes of the same size, its sha256 metadata copied: what a metadata check cannot see. */
  async function tamper(key: string): Promise<void> {
    const head = await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const original = await objectBytes(key);
    const forged = Buffer.from(original);
    forged[0] = 255 - forged[0]!;
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: forged, Metadata: head.Metadata }));
  }

  beforeAll(async () => {
    await writeModelDir(join(work, 'tiny'), generatedModel('local/tiny', [7, 3]));
  });

  it('a plain re-run HEADs every object and re-stages one that was deleted or replaced', async () => {
    const first = await stageTiny('rerun');
    const shards = first.result.files.filter((f) => f.path.endsWith('.safetensors')).map((f) => f.path);
    const deleted = `${first.prefix}${shards[0]}`;
    const replaced = `${first.prefix}config.json`;
    const want = { deleted: sha256(await objectBytes(deleted)), replaced: sha256(await objectBytes(replaced)) };
    await direct.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: deleted }));
    await tamper(replaced);

    const from = proxy.ops.length;
    const again = await stageTiny('rerun');
    expect(again.result.alreadyStaged).toBe(false);
    expect(again.reporter.lines.join('\n')).toMatch(/no longer match it: config\.json \(ETag [0-9a-f]+ instead of [0-9a-f]+\), model-00001-of-00002\.safetensors \(missing\)/);
    expect(sha256(await objectBytes(deleted))).toBe(want.deleted);
    expect(sha256(await objectBytes(replaced))).toBe(want.replaced);
    expect(again.result.files.filter((f) => f.action === 'uploaded').map((f) => f.path).sort()).toEqual(['config.json', shards[0]]);
    // the manifest is the last write, after the repairs
    const writes = proxy.writes(from);
    expect(writes.at(-1)!.key).toContain('/.manifests/');
    expect(writes.filter((w) => w.key.includes('/.manifests/'))).toHaveLength(1);

    const quiet = proxy.ops.length;
    const third = await stageTiny('rerun');
    expect(third.result.alreadyStaged).toBe(true);
    const ops = proxy.ops.slice(quiet).map((op) => op.method);
    expect(ops.filter((m) => m === 'HEAD')).toHaveLength(third.result.files.length);
    expect(ops.filter((m) => m !== 'HEAD' && m !== 'GET')).toEqual([]);
  }, 120_000);

  it('checks the ETag of a single-part PutObject: a store that kept other bytes never gets a manifest', async () => {
    const dir = join(work, 'etag');
    await writeModelDir(dir, generatedModel('local/etag', [6]));
    proxy.faults.wrongEtag = (req, url) => req.method === 'PUT' && url.pathname.endsWith('/config.json') && !url.searchParams.has('partNumber');
    const reporter = recordingReporter();
    try {
      const failure = await stageModel({ source: await resolveLocalDir(dir), dest: `s3://${BUCKET}/etag`, storageClass: '', partSize: 5 * MiB, reporter }).then(() => new Error('it did not fail'), (e: unknown) => e as Error);
      expect(failure).toBeInstanceOf(IntegrityError);
      expect(failure.message).toMatch(/^config\.json: S3 stored the object with MD5 0123456789abcdef0123456789abcdef, not [0-9a-f]{32}$/);
    } finally {
      delete proxy.faults.wrongEtag;
    }
    expect(reporter.lines.filter((l) => l.includes('staging config.json again'))).toHaveLength(2);
    expect(await keysUnder('etag/.manifests/')).toEqual([]);
    // the object S3 acknowledged with the wrong ETag is not left to pass a later run's metadata check
    expect((await keysUnder('etag/')).filter((key) => key.endsWith('/config.json'))).toEqual([]);
  }, 60_000);

  it('--recheck reads every object back, repairs a tampered and a deleted one, and only then writes the manifest', async () => {
    const first = await stageTiny('recheck');
    const manifestKey = first.result.manifestUri.replace(`s3://${BUCKET}/`, '');
    const shards = first.result.files.filter((f) => f.path.endsWith('.safetensors')).map((f) => f.path);
    const tampered = `${first.prefix}${shards[1]}`;
    const deleted = `${first.prefix}tokenizer.json`;
    const want = { tampered: sha256(await objectBytes(tampered)), deleted: sha256(await objectBytes(deleted)) };
    await tamper(tampered);
    await direct.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: deleted }));
    // a manifest from before ETags were recorded: only the bytes can tell the forgery
    const manifest = JSON.parse((await objectBytes(manifestKey)).toString()) as StageManifest;
    const withoutChecksums = { ...manifest, files: manifest.files.map(({ path, size, sha256: digest }) => ({ path, size, sha256: digest })) };
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey, Body: JSON.stringify(withoutChecksums) }));

    const trusting = await stageTiny('recheck');
    expect(trusting.reporter.lines.join('\n')).toContain('tokenizer.json (missing)');
    expect(sha256(await objectBytes(tampered))).not.toBe(want.tampered);

    await direct.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: deleted }));
    const from = proxy.ops.length;
    const rechecked = await stageTiny('recheck', { recheck: true });
    expect(rechecked.reporter.lines.join('\n')).toContain(`${shards[1]}: the bytes in s3://${BUCKET}/${tampered} do not hash to the sha256 its metadata claims`);
    expect(sha256(await objectBytes(tampered))).toBe(want.tampered);
    expect(sha256(await objectBytes(deleted))).toBe(want.deleted);
    const writes = proxy.writes(from);
    expect(writes.at(-1)!.key).toBe(`/${BUCKET}/${manifestKey}`);
    expect(writes.filter((w) => w.key === `/${BUCKET}/${manifestKey}`)).toHaveLength(1);
    // every object was read back (GET) before it was kept
    const reads = proxy.ops.slice(from).filter((op) => op.method === 'GET' && op.key.startsWith(`/${BUCKET}/${first.prefix}`));
    expect(reads.length).toBeGreaterThanOrEqual(rechecked.result.files.length - 2);
  }, 120_000);
});
