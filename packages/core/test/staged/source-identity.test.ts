import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { llmServiceInstance } from '../../src/render/instance.js';
import { resolveTarUrl } from '../../src/stage/tar-url.js';
import { sourceIdentity } from '../../src/staged/index.js';
import { entry, SETTINGS } from '../render/helpers.js';

test('the stager and the renderer name a .tar URL with a query string alike, and neither keeps the query', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'source-identity-'));
  const server = createServer((_request, response) => {
    void readFile(join(dir, 'model.tar')).then((bytes) => response.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes));
  });
  try {
    await mkdir(join(dir, 'model'));
    await writeFile(join(dir, 'model', 'config.json'), '{}\n');
    execFileSync('tar', ['-cf', join(dir, 'model.tar'), '-C', dir, 'model']);
    const sha256 = createHash('sha256').update(await readFile(join(dir, 'model.tar'))).digest('hex');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases/model.tar?X-Amz-Signature=secret&version=2`;

    const staged = await resolveTarUrl(url, { sha256 });
    const source = { kind: 'url' as const, url, sha256 };
    expect(staged.description).toBe(sourceIdentity(source));
    expect(staged.description).toBe(`url:http://127.0.0.1:${(server.address() as AddressInfo).port}/releases/model.tar#sha256=${sha256}`);

    const placement = { source: 's3://bkt/m/url/model/1/', commit: '1', manifest: '', format: 'huggingface' as const, origin: 'staged' as const };
    const instance = llmServiceInstance(entry({ name: 'tarred', source }), placement, SETTINGS) as { metadata: { annotations: Record<string, string> } };
    expect(instance.metadata.annotations['ray-gitops.io/source']).toBe(staged.description);
    expect(JSON.stringify(instance)).not.toContain('secret');
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
