import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The shared recipe: a one-node memstore Ceph cluster with the RADOS Gateway, from Debian's packages. */
export const CEPH_SCRIPT = resolve(REPO_ROOT, '../shared/scripts/s3-ceph.sh');

export interface Rgw {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * Starts a real S3 (Ceph RGW) for one test file, on its own ports and directory so test files
 * can run side by side. Fails, never skips, when it cannot start (no apt, no packages).
 */
export async function startRgw(name: string, port: number): Promise<Rgw> {
  if (!existsSync(CEPH_SCRIPT)) throw new Error(`the S3 test server recipe ${CEPH_SCRIPT} is missing; these tests need the Ceph RADOS Gateway`);
  const dir = `/tmp/ray-gitops-test-ceph-${name}`;
  const env = {
    ...process.env,
    S3_CEPH_DIR: dir,
    S3_CEPH_PORT: String(port),
    S3_CEPH_MON_PORT: String(port + 10_000),
    S3_CEPH_BYTES: String(6 * 1024 ** 3),
  };
  // Starts are serialized across test files (flock): two clusters coming up at once can cross-register
  // their OSDs ('wrong fsid'). Up to two retries cover a start that still fails.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await run('flock', ['/tmp/ray-gitops-test-ceph.lock', 'bash', CEPH_SCRIPT, 'start'], { env, timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
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
      `could not start the Ceph RADOS Gateway with ${CEPH_SCRIPT} (it installs ceph-mon, ceph-osd, radosgw, ceph-common with apt-get ` +
        `as root when missing): ${e.stderr?.trim() || e.message}`,
    );
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'testaccesskey',
    secretAccessKey: 'testsecretkey0123456789',
    stop: async () => {
      await run('bash', [CEPH_SCRIPT, 'stop'], { env, timeout: 60_000 }).catch(() => undefined);
    },
  };
}
