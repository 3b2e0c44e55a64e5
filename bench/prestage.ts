// One run, side by side, into the same Ceph RGW on loopback: this stager (Hugging Face protocol → S3,
// streamed) vs the seed's method (download to a scratch disk with 8 KiB reads, then `aws s3 sync`) vs
// `rclone copy` from a local dir. Wall time, CPU seconds, peak RSS (GNU time) and scratch disk per method.
//   node --conditions source --import tsx bench/prestage.ts        (BENCH_MODEL_MIB, default 1024)
// Needs: radosgw & co. (started here via ../shared/scripts/s3-ceph.sh), awscli, rclone, /usr/bin/time.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { resolveHuggingFace, stageModel } from '../packages/core/src/index.js';
import { startRgw } from '../packages/core/test/stage/ceph.js';
import { FakeHub } from '../packages/core/test/stage/hf-server.js';
import { generatedModel } from '../packages/core/test/stage/model.js';

const run = promisify(execFile);

if (process.argv[2] === 'child') {
  // the stager, at default settings, in its own process so GNU time measures only it
  const source = await resolveHuggingFace(process.argv[3]!, 'main');
  await stageModel({ source, dest: process.argv[4]!, storageClass: '', progressIntervalMs: 0 });
  process.exit(0);
}

interface Measure {
  readonly method: string;
  readonly wall: number;
  readonly cpu: number;
  readonly rssMiB: number;
  readonly scratchMiB: number;
}

async function timed(method: string, command: string[], env: NodeJS.ProcessEnv, scratch?: string): Promise<Measure> {
  const log = join(tmpdir(), `bench-time-${process.pid}-${method.replace(/\W+/g, '-')}`);
  const started = Date.now();
  await new Promise<void>((ok, fail) => {
    const child = spawn('/usr/bin/time', ['-v', '-o', log, ...command], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${method} exited ${code}`))));
  });
  const wall = (Date.now() - started) / 1000;
  process.stderr.write(`${method}: ${wall.toFixed(1)} s wall\n`);
  const text = await readFile(log, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(text)?.[1] ?? 'NaN');
  let scratchMiB = 0;
  if (scratch) scratchMiB = Number((await run('du', ['-sm', scratch])).stdout.split('\t')[0]);
  return { method, wall, cpu: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'), rssMiB: field('Maximum resident set size \\(kbytes\\)') / 1024, scratchMiB };
}

const modelMiB = Number(process.env.BENCH_MODEL_MIB ?? '1024');
const shards = Array.from({ length: Math.max(1, Math.round(modelMiB / 256)) }, () => Math.round(modelMiB / Math.max(1, Math.round(modelMiB / 256))));
const repo = generatedModel('bench/model', shards, { commit: 'be'.repeat(20) });
const rgw = await startRgw('bench', 17890);
const hub = new FakeHub([repo]);
await hub.start();
const scratch = await mkdtemp(join(tmpdir(), 'bench-scratch-'));
try {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL_S3: rgw.endpoint,
    AWS_ACCESS_KEY_ID: rgw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
    AWS_REGION: 'us-east-1',
    HF_ENDPOINT: hub.endpoint,
  };
  const s3 = new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const source = await resolveHuggingFace('bench/model', 'main', { endpoint: hub.endpoint });
  const files = source.files.filter((f) => !['consolidated.safetensors', 'pytorch_model.bin', 'original/params.json', 'README.md'].includes(f.path));
  const total = files.reduce((s, f) => s + f.size, 0);
  const results: Measure[] = [];

  results.push(await timed('ray-gitops prestage (HF → S3, streamed)', [process.execPath, '--conditions', 'source', '--import', 'tsx', 'bench/prestage.ts', 'child', 'bench/model', 's3://bench/stager'], env));

  // the seed: 8 KiB reads to a scratch volume, then aws s3 sync
  const download = [
    'import os, sys, urllib.request',
    'endpoint, repo, commit, out = sys.argv[1:5]',
    'for path in sys.argv[5:]:',
    '    dest = os.path.join(out, path); os.makedirs(os.path.dirname(dest), exist_ok=True)',
    '    with urllib.request.urlopen(f"{endpoint}/{repo}/resolve/{commit}/{path}") as r, open(dest, "wb") as f:',
    '        while True:',
    '            b = r.read(8192)',
    '            if not b: break',
    '            f.write(b)',
  ].join('\n');
  const seedScript = `python3 -c '${download}' ${hub.endpoint} bench/model ${repo.commit} ${scratch} ${files.map((f) => f.path).join(' ')} && aws --endpoint-url ${rgw.endpoint} s3 sync --only-show-errors ${scratch} s3://bench/seed/`;
  results.push(await timed('seed: 8 KiB reads to disk + aws s3 sync', ['bash', '-c', seedScript], env, scratch));

  // rclone's S3 backend rejects AWS_CA_BUNDLE on a plain-HTTP endpoint
  const rcloneEnv: NodeJS.ProcessEnv = {
    ...env,
    RCLONE_CONFIG_RGW_TYPE: 's3',
    RCLONE_CONFIG_RGW_PROVIDER: 'Ceph',
    RCLONE_CONFIG_RGW_ENDPOINT: rgw.endpoint,
    RCLONE_CONFIG_RGW_ACCESS_KEY_ID: rgw.accessKeyId,
    RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY: rgw.secretAccessKey,
    RCLONE_CONFIG_RGW_REGION: 'us-east-1',
  };
  delete rcloneEnv.AWS_CA_BUNDLE;
  results.push(await timed('rclone copy (local dir → S3)', ['rclone', 'copy', '--config', '/dev/null', scratch, 'rgw:bench/rclone'], rcloneEnv));

  process.stdout.write(`\nprestage bench: ${(total / 1048576).toFixed(0)} MiB model, ${files.length} files, one run each, Ceph RGW on loopback\n\n`);
  process.stdout.write('| method | wall s | CPU s | peak RSS MiB | scratch disk MiB |\n| --- | ---: | ---: | ---: | ---: |\n');
  for (const r of results) process.stdout.write(`| ${r.method} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.rssMiB.toFixed(0)} | ${r.scratchMiB} |\n`);
} finally {
  await rm(scratch, { recursive: true, force: true });
  await hub.stop();
  await rgw.stop();
}
