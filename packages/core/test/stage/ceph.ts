import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The shared recipe: a one-node memstore Ceph cluster with the RADOS Gateway, from Debian's packages. */
export const CEPH_SCRIPT = resolve(REPO_ROOT, 'scripts/test-s3-rgw.sh');
const ACCESS_KEY = 'raygitopstestkey';
const SECRET_KEY = 'raygitopstestsecret0123456789';

export interface Rgw {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** the cluster's directory; `run/*.pid` names its daemons */
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Starts a real S3 (Ceph RGW) for one test file, on its own ports and directory so test files
 * can run side by side. Fails, never skips, when it cannot start (no apt, no packages).
 */
export async function startRgw(
  name: string,
  /** memoryBytes: the in-memory OSD's size, default 6 GiB */
  options: { memoryBytes?: number } = {},
): Promise<Rgw> {
  // the process id and free ports let two checkouts (or two runs) start clusters side by side
  const dir = `/tmp/ray-gitops-test-ceph-${name}-${process.pid}`;
  const [port, monPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    RGW_DIR: dir,
    RGW_PORT: String(port),
    RGW_MON_PORT: String(monPort),
    RGW_MEMORY_BYTES: String(options.memoryBytes ?? 6 * 1024 ** 3),
    RGW_ACCESS_KEY: ACCESS_KEY,
    RGW_SECRET_KEY: SECRET_KEY,
  };
  // Starts are serialized across test files (flock): two clusters coming up at once can cross-register
  // their OSDs ('wrong fsid'). --close keeps the lock out of the daemons, which would otherwise hold it
  // until they stop and so serialize whole test files. Up to two retries cover a start that still fails.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await run('flock', ['--close', '/tmp/ray-gitops-test-ceph.lock', 'bash', CEPH_SCRIPT, 'start'], { env, timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
      lastError = undefined;
      break;
    } catch (error) {
      lastError = error;
      await run('bash', [CEPH_SCRIPT, 'stop'], { env, timeout: 60_000 }).catch(() => undefined);
    }
  }
  if (lastError) {
    const e = lastError as { stderr?: string; message: string };
    throw new Error(
      `could not start the Ceph RADOS Gateway with ${CEPH_SCRIPT} (as root it installs ceph-mon, ceph-osd, radosgw and ` +
        `ceph-common with apt-get when missing): ${e.stderr?.trim() || e.message}`,
    );
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    dir,
    stop: async () => {
      await run('bash', [CEPH_SCRIPT, 'stop'], { env, timeout: 60_000 }).catch(() => undefined);
    },
  };
}

/** A TCP port nothing listens on right now (the kernel picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}
