import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { UPSTREAM_CRDS } from '../../core/src/index.js';
import { REPO_ROOT, tempDir } from '../../core/test/render/helpers.js';

/** The upstream CRDs, byte for byte (../shared/crds, outside the repository). */
const SHARED_CRDS = join(REPO_ROOT, '..', 'shared', 'crds');

let cacheDir: string;
const saved = { cache: process.env.RAY_GITOPS_CACHE_DIR, base: process.env.RAY_GITOPS_SCHEMAS_BASE_URL };

beforeEach(async () => {
  const cacheRoot = await tempDir('schema-cache');
  cacheDir = join(cacheRoot, 'schemas');
  process.env.RAY_GITOPS_CACHE_DIR = cacheRoot;
});

afterEach(() => {
  for (const [name, value] of [['RAY_GITOPS_CACHE_DIR', saved.cache], ['RAY_GITOPS_SCHEMAS_BASE_URL', saved.base]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('a bare validate and the schema cache', () => {
  test('after `schemas import ../shared/crds`, `validate` with no arguments checks the committed tree and exits 0', async () => {
    const imported = await runCli('schemas', 'import', SHARED_CRDS);
    expect(imported.stderr).toContain(`imported into ${cacheDir}: ${UPSTREAM_CRDS.length} pinned CRD(s) (sha256 checked)`);
    expect(imported.code).toBe(0);
    expect((await readdir(cacheDir)).sort()).toEqual(UPSTREAM_CRDS.map((crd) => crd.file).sort());

    const { code, stdout, stderr } = await runCli('validate');
    expect(stdout).not.toContain('could not find schema');
    expect(stdout).toMatch(/Summary: (\d+) resources found in \d+ files - Valid: \1, Invalid: 0, Errors: 0, Skipped: 0/);
    expect(stderr).not.toContain('schema cache');
    expect(code).toBe(0);
  }, 120_000);

  test('with an empty cache, validate fails on the upstream kinds and says which command fills the cache', async () => {
    const { code, stdout, stderr } = await runCli('validate');
    expect(code).toBe(1);
    expect(stdout).toContain('could not find schema for ResourceGraphDefinition (kro.run/v1alpha1)');
    expect(stderr).toContain(`the schema cache ${cacheDir} is empty`);
    expect(stderr).toContain("run 'ray-gitops schemas fetch' (offline: 'ray-gitops schemas import DIR')");
  }, 120_000);

  test('import refuses a pinned file with another sha256, and imports other CRDs saying they are unpinned', async () => {
    const source = await tempDir('schema-import');
    await writeFile(join(source, 'ray.io_rayservices.yaml'), `${await readFile(join(SHARED_CRDS, 'ray.io_rayservices.yaml'), 'utf8')}# edited\n`);
    await writeFile(join(source, 'kro.run_resourcegraphdefinitions.yaml'), await readFile(join(SHARED_CRDS, 'kro.run_resourcegraphdefinitions.yaml')));
    await writeFile(join(source, 'widgets.example.com.yaml'), 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n');
    await writeFile(join(source, 'notes.yaml'), 'just: notes\n');
    const { code, stdout, stderr } = await runCli('schemas', 'import', source);
    expect(code).toBe(1);
    expect(stderr).toMatch(/ray\.io_rayservices\.yaml has sha256 [0-9a-f]{64}, not the pinned 0a8fc325e6e2\w+ of ray\.io\/RayService; not imported/);
    expect(stderr).toContain('1 pinned CRD(s) (sha256 checked), 1 not in the pinned list, as they are (widgets.example.com.yaml)');
    expect(stderr).toContain('the cache still lacks ray.io_rayservices.yaml, ray.io_rayclusters.yaml');
    expect(stdout.trim().split('\n').sort()).toEqual([join(cacheDir, 'kro.run_resourcegraphdefinitions.yaml'), join(cacheDir, 'widgets.example.com.yaml')]);
    expect(stderr.split('\n').filter((line) => line.includes('at '))).toEqual([]);

    const missing = await runCli('schemas', 'import', join(source, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cannot read ${join(source, 'nope')} (ENOENT)`);
  });
});

describe('schemas fetch', () => {
  /** A loopback server that serves the upstream files by name; `tampered` ones get a byte more. */
  async function mirror(tampered: ReadonlySet<string>): Promise<{ url: string; server: Server; requests: string[] }> {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      const name = decodeURIComponent((request.url ?? '/').slice('/crds/'.length));
      requests.push(name);
      void readFile(join(SHARED_CRDS, name)).then(
        (bytes) => response.writeHead(200, { 'content-type': 'application/yaml' }).end(tampered.has(name) ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes),
        () => response.writeHead(404).end('not found'),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/crds`, server, requests };
  }

  test('downloads every pinned CRD, refuses one whose sha256 differs, and fetches only what is missing next time', async () => {
    const bad = await mirror(new Set(['ray.io_rayclusters.yaml']));
    try {
      process.env.RAY_GITOPS_SCHEMAS_BASE_URL = bad.url;
      const first = await runCli('schemas', 'fetch');
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(new RegExp(`ray\\.io_rayclusters\\.yaml from ${bad.url}/ray\\.io_rayclusters\\.yaml has sha256 [0-9a-f]{64}, not the pinned c44704442eef\\w+; not cached`));
      expect(first.stderr).toContain(`${cacheDir}: ${UPSTREAM_CRDS.length - 1} downloaded, 0 already there; 1 failed`);
      expect(await readdir(cacheDir)).not.toContain('ray.io_rayclusters.yaml');
      expect((await readdir(cacheDir)).filter((file) => file.includes('partial'))).toEqual([]);
    } finally {
      bad.server.close();
    }

    const good = await mirror(new Set());
    try {
      process.env.RAY_GITOPS_SCHEMAS_BASE_URL = good.url;
      const second = await runCli('schemas', 'fetch');
      expect(second.code).toBe(0);
      expect(good.requests).toEqual(['ray.io_rayclusters.yaml']);
      expect(second.stdout).toBe(`${join(cacheDir, 'ray.io_rayclusters.yaml')}\n`);
      expect((await runCli('validate')).code).toBe(0);
    } finally {
      good.server.close();
    }
  }, 120_000);

  test('an unreachable mirror is one line per file naming the URL, and nothing is cached', async () => {
    const closed = await mirror(new Set());
    closed.server.close();
    process.env.RAY_GITOPS_SCHEMAS_BASE_URL = closed.url;
    const { code, stderr } = await runCli('schemas', 'fetch', '--cache-dir', join(cacheDir, 'elsewhere'));
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach ${closed.url}/ray.io_rayservices.yaml (ECONNREFUSED)`);
    expect(stderr).not.toMatch(/^\s+at /m);
    await mkdir(join(cacheDir, 'elsewhere'), { recursive: true });
    expect(await readdir(join(cacheDir, 'elsewhere'))).toEqual([]);
  });
});
