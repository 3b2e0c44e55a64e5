// The prestage bench's generated model (Hugging Face protocol → Ceph RGW on loopback), staged as 1, 2
// and 4 shard processes at once (`prestage --shard K/N`), then `prestage --finalize`. Wall time of the
// shards, of finalize, and the load average beside each figure: on a shared 2-core machine more
// processes than cores measure the machine, not the stager — the figures say so next to them.
//   node --conditions source --import tsx bench/prestage-shards.ts     (BENCH_MODEL_MIB, default 512)
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startRgw } from '@ray-gitops/testkit/ceph';
import { FakeHub } from '@ray-gitops/testkit/hf-server';
import { generatedModel } from '@ray-gitops/testkit/model';

const MiB = 1024 * 1024;
const REPO_ROOT = resolve(import.meta.dirname, '..');
const modelMiB = Number(process.env.BENCH_MODEL_MIB ?? '512');
const fileMiB = 64;
const shardCounts = [1, 2, 4];

const rgw = await startRgw('bench-shards', { memoryBytes: Math.max(6 * 1024 ** 3, (shardCounts.length + 1) * modelMiB * MiB) });
const s3 = new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } });
await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
const repo = generatedModel('bench/sharded-llm', Array.from({ length: Math.max(1, Math.round(modelMiB / fileMiB)) }, () => fileMiB), { commit: 'be'.repeat(20) });
const hub = new FakeHub([repo]);
await hub.start();

function cli(...args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--conditions', 'source', '--import', 'tsx', resolve(REPO_ROOT, 'packages/cli/test/cli-child.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, AWS_ENDPOINT_URL_S3: rgw.endpoint, AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey, AWS_REGION: 'us-east-1', HF_ENDPOINT: hub.endpoint },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((ok, fail) => child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`ray-gitops ${args.join(' ')} exited ${code}: ${stderr}`)))));
}

const rows: string[] = [];
try {
  for (const n of shardCounts) {
    const dest = `s3://bench/n${n}`;
    const common = ['prestage', '--hf', repo.repo, '--dest', dest, '--storage-class', ''];
    const loadBefore = loadavg()[0]!.toFixed(1);
    const started = performance.now();
    await Promise.all(Array.from({ length: n }, (_, k) => cli(...common, '--shard', `${k}/${n}`)));
    const shards = (performance.now() - started) / 1000;
    const finalizeStarted = performance.now();
    await cli(...common, '--finalize');
    const finalize = (performance.now() - finalizeStarted) / 1000;
    const total = shards + finalize;
    rows.push(`| ${n} | ${shards.toFixed(1)} | ${finalize.toFixed(1)} | ${(modelMiB / total).toFixed(1)} | ${loadBefore} → ${loadavg()[0]!.toFixed(1)} |`);
    console.error(rows.at(-1));
  }
} finally {
  await hub.stop();
  await rgw.stop();
}
console.log(`${modelMiB} MiB model in ${fileMiB} MiB files, Hub → Ceph RGW on loopback, ${new Date().toISOString()}`);
console.log('| shards | shards' + "' wall s | finalize s | MiB/s overall | load average (1 min) before → after |");
console.log('| ---: | ---: | ---: | ---: | --- |');
for (const row of rows) console.log(row);
