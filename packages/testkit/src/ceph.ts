import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';
import { askSupportService } from './support-client.js';

const run = promisify(execFile);
/** The shared recipe: a one-node memstore Ceph cluster with the RADOS Gateway, from Debian's packages. */
export const CEPH_SCRIPT = join(REPO_ROOT, 'scripts', 'test-s3-rgw.sh');
const ACCESS_KEY = 'raygitopstestkey';
const SECRET_KEY = 'raygitopstestsecret0123456789';

export interface Rgw {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** the cluster's directory; `run/*.pid` names its daemons */
  readonly dir: string;
  /**
   * Ends this test file's use of the cluster: on the run's shared cluster, removes the file's user with
   * its buckets (the cluster itself stops after the run); on a cluster of its own, stops it.
   */
  stop(): Promise<void>;
}

/** A running cluster as the support service hands it out (JSON: no stop function). */
export interface RgwAccess {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly dir: string;
  /** the RGW tenant of these credentials: its own bucket namespace */
  readonly tenant: string;
}

/**
 * A real S3 (Ceph RGW) for one test file. In a vitest run with the test kit's global setup (the `wire`
 * project) every file shares the run's one cluster, started on first use, and gets credentials of its
 * own in a tenant of its own: its buckets (even one named like another file's) are its alone. Elsewhere
 * (a script, another runner) it starts a cluster of its own, as before.
 * Fails, never skips, when it cannot start (no apt, no packages).
 */
export async function startRgw(
  name: string,
  /** memoryBytes: the in-memory OSD's size, default 6 GiB (a cluster of its own only) */
  options: { memoryBytes?: number } = {},
): Promise<Rgw> {
  const shared = await askSupportService<RgwAccess>('rgw', { name });
  if (shared) {
    const { tenant, ...access } = shared;
    return { ...access, stop: async () => void (await askSupportService('rgw-release', { tenant })) };
  }
  const cluster = await startCephCluster(name, options);
  return { ...cluster.access, stop: cluster.stop };
}

export interface CephCluster {
  /** the cluster's first user (no tenant) */
  readonly access: Omit<RgwAccess, 'tenant'>;
  /** a user with a bucket namespace of its own; `name` becomes part of the tenant */
  addTenant(name: string): Promise<RgwAccess>;
  /** removes a tenant's user with all its buckets and objects */
  removeTenant(tenant: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a one-node Ceph cluster with the RADOS Gateway on free ports and a directory of its own, so
 * two checkouts (or two runs) can have clusters side by side.
 */
export async function startCephCluster(name: string, options: { memoryBytes?: number } = {}): Promise<CephCluster> {
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
  // Starts are serialized across processes and checkouts (flock): two clusters coming up at once can
  // cross-register their OSDs ('wrong fsid'). --close keeps the lock out of the daemons, which would
  // otherwise hold it until they stop. Up to two retries cover a start that still fails.
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
  const endpoint = `http://127.0.0.1:${port}`;
  let tenants = 0;
  return {
    access: { endpoint, accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, dir },
    addTenant: async (tenantName) => {
      // a tenant is [a-zA-Z0-9_]; keys are random so a file can never reach another file's buckets
      const tenant = `${tenantName.replace(/[^a-zA-Z0-9_]/g, '_')}_${++tenants}`;
      const accessKeyId = `T${randomBytes(9).toString('hex').toUpperCase()}`;
      const secretAccessKey = randomBytes(24).toString('base64url');
      await run('bash', [CEPH_SCRIPT, 'user-add', tenant, accessKeyId, secretAccessKey], { env, timeout: 60_000 });
      return { endpoint, accessKeyId, secretAccessKey, dir, tenant };
    },
    removeTenant: async (tenant) => {
      await run('bash', [CEPH_SCRIPT, 'user-remove', tenant], { env, timeout: 120_000 });
    },
    stop: async () => {
      await run('bash', [CEPH_SCRIPT, 'stop'], { env, timeout: 60_000 }).catch(() => undefined);
    },
  };
}

/** A TCP port nothing listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}
