// Side by side, into the same Ceph RGW on loopback, the same generated model: this stager (Hugging Face
// protocol → S3, streamed) vs the seed's method (download to a scratch disk with 8 KiB reads, then
// `aws s3 sync`) vs `rclone copy` from a local dir. Wall time, CPU seconds, peak RSS (GNU time), scratch
// disk, and the CPU the S3 daemons spent, per method; then the targets, checked (exit 1 when missed).
//   node --conditions source --import tsx bench/prestage.ts     (BENCH_MODEL_MIB, default 1024; BENCH_ROUNDS, default 1)
// BENCH_PROFILE=1 runs the stager under `node --cpu-prof` and prints its top self-time functions (the
// profiler's own cost inflates that run's figures: profile to find work, not to measure it).
// Rounds run the methods one after another, each round starting with the next method, and report
// medians, so a busy machine and a filling S3 weigh on every method alike (BENCH_ROUNDS=3 for that).
// The stager runs as the action ships it: one esbuild bundle. A last line times the S3 upload alone
// (the same bytes from memory, no source, no checksums): no method can beat it on this machine.
// Needs: Ceph (the test kit starts it), and from Debian: `apt-get install -y rclone awscli time`.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { startRgw, type Rgw } from '@ray-gitops/testkit/ceph';
import { FakeHub } from '@ray-gitops/testkit/hf-server';
import { generatedModel, writeModelDir } from '@ray-gitops/testkit/model';
import { build } from 'esbuild';
import { resolveHuggingFace } from '../packages/core/src/index.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const REPO_ROOT = resolve(import.meta.dirname, '..');

interface Measure {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMiB: number;
  readonly scratchMiB: number;
  /** CPU seconds of the RGW and OSD daemons during the run */
  readonly serverCpu: number;
}

/** CPU seconds (user + system) the S3 daemons have used so far. */
async function serverCpuSeconds(rgw: Rgw): Promise<number> {
  const pidFiles = (await readdir(join(rgw.dir, 'run'))).filter((f) => f.endsWith('.pid'));
  let ticks = 0;
  for (const pidFile of pidFiles) {
    const pid = (await readFile(join(rgw.dir, 'run', pidFile), 'utf8')).trim();
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

async function timed(rgw: Rgw, method: string, command: string[], env: NodeJS.ProcessEnv, scratch?: string): Promise<Measure> {
  const log = join(tmpdir(), `bench-time-${process.pid}`);
  const serverBefore = await serverCpuSeconds(rgw);
  const started = Date.now();
  await new Promise<void>((ok, fail) => {
    const child = spawn('/usr/bin/time', ['-v', '-o', log, ...command], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${method} exited ${code}`))));
  });
  const wall = (Date.now() - started) / 1000;
  const serverCpu = (await serverCpuSeconds(rgw)) - serverBefore;
  process.stderr.write(`${method}: ${wall.toFixed(1)} s wall\n`);
  const text = await readFile(log, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(text)?.[1] ?? 'NaN');
  // a scratch directory's size, or else what the process wrote to any file system (512-byte blocks)
  const scratchMiB = scratch ? Number((await run('du', ['-sm', scratch])).stdout.split('\t')[0]) : Math.round((field('File system outputs') * 512) / MiB);
  return { wall, cpu: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'), rssMiB: field('Maximum resident set size \\(kbytes\\)') / 1024, scratchMiB, serverCpu };
}

/** The `count` functions with the most self time in a V8 .cpuprofile, as `ms  function  file:line` lines. */
async function topSelfTime(dir: string, count: number): Promise<string> {
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (!file) return 'no profile written';
  interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const name = `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*\//, '')}:${frame.lineNumber + 1}`;
    selfUs.set(name, (selfUs.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`)
    .join('\n');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The S3 upload alone: `bytes` from one reused buffer, 8 MiB parts, 8 in flight (the client sends UNSIGNED-PAYLOAD). */
async function uploadOnly(s3: S3Client, bucket: string, key: string, bytes: number): Promise<number> {
  const part = Buffer.alloc(8 * MiB, 0x5a);
  const parts = Math.ceil(bytes / part.length);
  const started = Date.now();
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const etags: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < parts) {
        const number = ++next;
        const request = { Bucket: bucket, Key: key, UploadId, PartNumber: number, Body: part, ContentLength: part.length };
        etags[number - 1] = (await s3.send(new UploadPartCommand(request))).ETag!;
      }
    }),
  );
  const completed = etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed } }));
  return (Date.now() - started) / 1000;
}

const modelMiB = Number(process.env.BENCH_MODEL_MIB ?? '1024');
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? '1'));
const shardCount = Math.max(1, Math.round(modelMiB / 256));
const repo = generatedModel('bench/model', Array.from({ length: shardCount }, () => Math.round(modelMiB / shardCount)), { commit: 'be'.repeat(20) });
// every round stages the model three times, into memory: size the in-memory OSD for that
const rgw = await startRgw('bench', { memoryBytes: Math.max(6 * 1024 ** 3, (rounds * 3 + 2) * modelMiB * MiB) });
const hub = new FakeHub([repo]);
await hub.start();
const work = await mkdtemp(join(tmpdir(), 'bench-'));
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
  // no payload hashing, so uploadOnly measures S3 and nothing else
  s3.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'benchUnsignedPayload' },
  );
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  // RGW creates its pools on first use (the data pool on the first write, the non-ec pool on the first
  // multipart upload): done here, so whichever method runs first is not charged for them
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'warm-up', Body: Buffer.alloc(MiB) }));
  await uploadOnly(s3, 'bench', 'warm-up-multipart', 16 * MiB);
  const source = await resolveHuggingFace('bench/model', 'main', { endpoint: hub.endpoint });
  const files = source.files.filter((f) => !['consolidated.safetensors', 'pytorch_model.bin', 'original/params.json', 'README.md'].includes(f.path));
  const total = files.reduce((s, f) => s + f.size, 0);

  // the stager as the prestage-model action ships it: one esbuild bundle, default settings
  const stager = join(work, 'stager.mjs');
  await build({
    stdin: {
      contents: [
        "import { resolveHuggingFace, stageModel } from '@ray-gitops/core';",
        'const [repo, dest] = process.argv.slice(2);',
        "await stageModel({ source: await resolveHuggingFace(repo, 'main'), dest, storageClass: '', progressIntervalMs: 0 });",
      ].join('\n'),
      resolveDir: REPO_ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    conditions: ['source'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    outfile: stager,
    logLevel: 'warning',
  });

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
  await writeFile(join(work, 'download.py'), download);
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

  // rclone's local dir: the staged files, written once, so rclone does not depend on the seed's run
  const localDir = join(work, 'local-model');
  await writeModelDir(localDir, { ...repo, files: repo.files.filter((f) => files.some((s) => s.path === f.path)) });

  // the emptiest S3 the bench will see: the most favourable upload time, measured first
  const serverBefore = await serverCpuSeconds(rgw);
  const floor = await uploadOnly(s3, 'bench', 'upload-only', total);
  const floorServerCpu = (await serverCpuSeconds(rgw)) - serverBefore;

  const methods = ['ray-gitops prestage (HF → S3, streamed)', 'seed: 8 KiB reads to disk + aws s3 sync', 'rclone copy (local dir → S3)'] as const;
  const commands: Record<(typeof methods)[number], (round: number) => Promise<Measure>> = {
    [methods[0]]: async (round) => {
      const profileDir = join(work, `profile-${round}`);
      const profiling = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const measure = await timed(rgw, methods[0], [process.execPath, ...profiling, stager, 'bench/model', `s3://bench/stager-${round}`], env);
      if (profiling.length > 0) process.stderr.write(`stager's top self time (round ${round}):\n${await topSelfTime(profileDir, 25)}\n`);
      return measure;
    },
    [methods[1]]: async (round) => {
      const scratch = join(work, `scratch-${round}`);
      const seed = `python3 ${join(work, 'download.py')} ${hub.endpoint} bench/model ${repo.commit} ${scratch} ${files.map((f) => f.path).join(' ')} && aws --endpoint-url ${rgw.endpoint} s3 sync --only-show-errors ${scratch} s3://bench/seed-${round}/`;
      const measure = await timed(rgw, methods[1], ['bash', '-c', seed], env, scratch);
      await rm(scratch, { recursive: true, force: true });
      return measure;
    },
    [methods[2]]: (round) => timed(rgw, methods[2], ['rclone', 'copy', '--config', '/dev/null', localDir, `rgw:bench/rclone-${round}`], rcloneEnv),
  };
  const measured = new Map<string, Measure[]>(methods.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    // RGW slows as its in-memory store fills: each round starts with the next method, so over three
    // rounds every method runs once first, once second and once last
    for (let i = 0; i < methods.length; i++) {
      const method = methods[(round + i) % methods.length]!;
      measured.get(method)!.push(await commands[method](round + 1));
    }
  }

  const row = (name: string) => {
    const all = measured.get(name)!;
    const pick = (key: keyof Measure) => median(all.map((m) => m[key]));
    return { wall: pick('wall'), cpu: pick('cpu'), rssMiB: pick('rssMiB'), scratchMiB: pick('scratchMiB'), serverCpu: pick('serverCpu'), walls: all.map((m) => m.wall.toFixed(1)).join(', ') };
  };
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  process.stdout.write(`\nprestage bench: ${(total / MiB).toFixed(0)} MiB model, ${files.length} files, ${rounds} round(s) (medians), Ceph RGW on loopback, ${(await run('nproc')).stdout.trim()} CPUs, load average ${load}\n\n`);
  process.stdout.write('| method | wall s | CPU s | peak RSS MiB | scratch disk MiB | S3 daemons CPU s | walls per round |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n');
  for (const name of methods) {
    const r = row(name);
    process.stdout.write(`| ${name} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.rssMiB.toFixed(0)} | ${r.scratchMiB} | ${r.serverCpu.toFixed(1)} | ${r.walls} |\n`);
  }
  process.stdout.write(`| S3 upload only (same bytes from memory, no source, no checksums) | ${floor.toFixed(1)} | | | 0 | ${floorServerCpu.toFixed(1)} | |\n\n`);

  const [stagerRow, seedRow, rcloneRow] = methods.map(row) as [ReturnType<typeof row>, ReturnType<typeof row>, ReturnType<typeof row>];
  const targets = [
    { name: 'wall ≤ 0.8 × seed', met: stagerRow.wall <= 0.8 * seedRow.wall, detail: `${stagerRow.wall.toFixed(1)} s vs ${(0.8 * seedRow.wall).toFixed(1)} s` },
    { name: 'wall ≤ 1.0 × rclone', met: stagerRow.wall <= rcloneRow.wall, detail: `${stagerRow.wall.toFixed(1)} s vs ${rcloneRow.wall.toFixed(1)} s` },
    { name: 'client CPU ≤ seed', met: stagerRow.cpu <= seedRow.cpu, detail: `${stagerRow.cpu.toFixed(1)} s vs ${seedRow.cpu.toFixed(1)} s` },
    { name: 'peak RSS ≤ 128 MiB', met: stagerRow.rssMiB <= 128, detail: `${stagerRow.rssMiB.toFixed(0)} MiB` },
    { name: '0 bytes scratch disk', met: stagerRow.scratchMiB === 0, detail: `${stagerRow.scratchMiB} MiB written` },
  ];
  for (const t of targets) process.stdout.write(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.detail}\n`);
  process.exitCode = targets.every((t) => t.met) ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
  await hub.stop();
  await rgw.stop();
}
