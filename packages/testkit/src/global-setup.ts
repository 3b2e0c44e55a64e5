// vitest globalSetup of the `wire` project: one support service per run, in vitest's main process.
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleActionNow } from './action-runner.js';
import { startCephCluster, type CephCluster } from './ceph.js';

/**
 * Hands shared resources to test files on request, each made once per run and only when a file asks:
 *   POST /rgw {name}           → the run's Ceph RGW (started on the first request) and a tenant of its own
 *   POST /rgw-release {tenant} → removes that tenant's buckets
 *   POST /bundle {action}      → the path of the action's bundle, built from the current sources
 * A run that selects no file needing the cluster never starts it (no Ceph, no lock, no 30 s).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: Promise<CephCluster> | undefined;
  const bundles = new Map<string, Promise<string>>();

  const handlers: Record<string, (params: Record<string, string>) => Promise<unknown>> = {
    'rgw': async ({ name }) => {
      // the OSD holds what the files running at once store; each file's objects go with its tenant
      cluster ??= startCephCluster('run', { memoryBytes: 8 * 1024 ** 3 });
      return (await cluster).addTenant(name ?? 'file');
    },
    'rgw-release': async ({ tenant }) => {
      if (cluster && tenant) await (await cluster).removeTenant(tenant);
      return {};
    },
    'bundle': async ({ action }) => {
      if (!action || !/^[a-z][a-z0-9-]*$/.test(action)) throw new Error(`no action named ${action}`);
      let bundle = bundles.get(action);
      if (!bundle) bundles.set(action, (bundle = bundleActionNow(action)));
      return bundle;
    },
  };

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const handler = handlers[(req.url ?? '').slice(1)];
        if (!handler) throw new Error(`the test kit's support service has no ${req.url}`);
        const answer = await handler(JSON.parse((await readBody(req)) || '{}') as Record<string, string>);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
      }
    })();
  });
  // a cluster start can wait minutes for the cross-checkout lock
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('testkitService', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const settled = await Promise.allSettled([...bundles.values()]);
    await Promise.all([
      cluster?.then((c) => c.stop(), () => undefined),
      ...settled.map((result) => (result.status === 'fulfilled' ? rm(dirname(result.value), { recursive: true, force: true }) : undefined)),
    ]);
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}
