// `ray-gitops validate` as a user runs it, on 10,000 resources (Deployments, Services, RayServices) in
// 1,000 files with the upstream CRDs: wall time, resources/s and peak RSS (GNU time), cold (first run
// after writing the files, empty schema cache) and warm (the same run again), and `ray-gitops --help`.
// Then the warm run with one and two worker threads (--workers N). Prints the machine's load beside
// the figures: the numbers mean little on a busy machine.
//   npm run bench   (or: node --import tsx bench/validate-cli.ts; needs the compiled CLI: npx tsc --build)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FILES, RESOURCES, writeShape } from './validate-shape.js';

const ROOT = resolve(import.meta.dirname, '..');
const SHARED = resolve(ROOT, '../shared');
const CLI = join(ROOT, 'packages/cli/bin/ray-gitops.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Run {
  readonly seconds: number;
  readonly rssMiB: number;
  readonly stdout: string;
}

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const log = join(tmpdir(), `bench-validate-time-${process.pid}`);
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', log, process.execPath, CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`ray-gitops ${args.join(' ')} exited ${result.status}:\n${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`);
  const [seconds, kib] = readFileSync(log, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  rmSync(log, { force: true });
  return { seconds: seconds!, rssMiB: kib! / 1024, stdout: result.stdout };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const load = () => loadavg().map((value) => value.toFixed(1)).join(' ');

const dir = writeShape(SHARED);
const cacheHome = mkdtempSync(join(tmpdir(), 'bench-validate-cache-'));
const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
const args = ['validate', dir, '--crds', join(SHARED, 'crds')];
console.log(`ray-gitops validate: ${RESOURCES} resources in ${FILES} files; load average at start ${load()} (${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores)`);

const report = (label: string, runs: Run[]) => {
  const seconds = median(runs.map((r) => r.seconds));
  const rss = Math.max(...runs.map((r) => r.rssMiB));
  console.log(`  ${label}: ${seconds.toFixed(2)} s, ${Math.round(RESOURCES / seconds)} resources/s, peak RSS ${rss.toFixed(0)} MiB (median of ${runs.length}; load now ${load()})`);
};

const cold: Run[] = [];
const warm: Run[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  rmSync(cacheHome, { recursive: true, force: true });
  const first = timed(args, env);
  if (!first.stdout.includes(`${RESOURCES} resources found in ${FILES} files - Valid: ${RESOURCES}`)) throw new Error(`unexpected result:\n${first.stdout.slice(-2000)}`);
  cold.push(first);
  warm.push(timed(args, env));
}
report('cold (empty schema cache)', cold);
report('warm (cache filled by the cold run)', warm);
// the same warm run spread over worker threads: the default starts them only from a third core on
for (const workers of ['1', '2']) report(`warm, --workers ${workers}`, Array.from({ length: ROUNDS }, () => timed([...args, '--workers', workers], env)));

const help = Array.from({ length: 7 }, () => timed(['--help']));
console.log(`  ray-gitops --help: ${(median(help.map((r) => r.seconds)) * 1000).toFixed(0)} ms (median of 7); node -e 0 here: ${(median(Array.from({ length: 5 }, () => { const s = performance.now(); execFileSync(process.execPath, ['-e', '0']); return (performance.now() - s) / 1000; })) * 1000).toFixed(0)} ms`);
console.log('  kubeconform publishes 7,570 resources/s; issue 16 measured 3,370/s end to end before this work');
rmSync(dir, { recursive: true, force: true });
rmSync(cacheHome, { recursive: true, force: true });
