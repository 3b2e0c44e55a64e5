import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LLAMA_3_70B, QWEN_2_5_7B } from '@ray-gitops/testkit/fit-configs';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const TOKEN = 'hf_test_token_do_not_print';

/**
 * A Hugging Face Hub that speaks the REST calls fit makes: resolve (with a 302 to a second host, as the
 * Hub does for files), the recursive tree listing in two pages linked by `Link: rel="next"`, a gated repo.
 */
class FakeHub {
  readonly requests: { url: string; authorization?: string }[] = [];
  /** paths answered 503 with `Retry-After: 1` once each, as a Hub under load does */
  readonly busyOnce = new Set<string>();
  private hub!: Server;
  private cdn!: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.cdn = createServer((req, res) => {
      this.log(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(QWEN_2_5_7B));
    });
    await new Promise<void>((resolve) => this.cdn.listen(0, '127.0.0.1', resolve));
    const cdnUrl = `http://localhost:${(this.cdn.address() as AddressInfo).port}`;
    this.hub = createServer((req, res) => {
      this.log(req);
      const url = new URL(req.url!, 'http://hub');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (this.busyOnce.delete(url.pathname)) return send(503, { error: 'busy' }, { 'retry-after': '1' });
      if (url.pathname.startsWith('/meta-llama/')) return send(401, { error: 'gated' }, { 'x-error-code': 'GatedRepo' });
      if (url.pathname === '/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json') {
        res.writeHead(302, { location: `${cdnUrl}/blobs/config.json` });
        return res.end();
      }
      if (url.pathname === '/api/models/Qwen/Qwen2.5-7B-Instruct/tree/main') {
        if (url.searchParams.get('cursor') === '2') {
          return send(200, [{ type: 'file', path: 'model-00002-of-00002.safetensors', size: 134, lfs: { size: 7_000_000_000 } }]);
        }
        return send(
          200,
          [
            { type: 'file', path: 'config.json', size: 663 },
            { type: 'file', path: 'model-00001-of-00002.safetensors', size: 135, lfs: { size: 8_000_000_000 } },
            { type: 'directory', path: 'original' },
          ],
          { link: `<${this.endpoint}/api/models/Qwen/Qwen2.5-7B-Instruct/tree/main?recursive=true&cursor=2>; rel="next"` },
        );
      }
      return send(404, { error: 'not found' }, { 'x-error-code': url.pathname.includes('/resolve/') ? 'EntryNotFound' : 'RepoNotFound' });
    });
    await new Promise<void>((resolve) => this.hub.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
  }

  private log(req: IncomingMessage): void {
    this.requests.push({ url: `${req.headers.host}${req.url}`, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
  }

  async stop(): Promise<void> {
    await Promise.all([new Promise((resolve) => this.hub.close(resolve)), new Promise((resolve) => this.cdn.close(resolve))]);
  }
}

describe('ray-gitops fit', () => {
  const hub = new FakeHub();
  const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_TOKEN: process.env.HF_TOKEN };
  beforeAll(() => hub.start());
  afterAll(() => hub.stop());
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    hub.requests.length = 0;
    hub.busyOnce.clear();
  });

  test('reads config.json and the safetensors sizes from the Hub (HF_ENDPOINT), and says it fits', async () => {
    process.env.HF_ENDPOINT = hub.endpoint;
    process.env.HF_TOKEN = TOKEN;
    const { code, stdout, stderr } = await runCli('fit', '--model', 'Qwen/Qwen2.5-7B-Instruct', '--gpu', 'L4', '--count', '1', '--max-model-len', '8192');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Qwen/Qwen2.5-7B-Instruct@main on 1× L4');
    expect(stdout).toContain('56.0 KiB per token = 28 layers × 4 KV heads × 128 head dim × 2 × 2 bytes');
    expect(stdout).toContain('from the safetensors sizes');
    expect(stdout).toContain(`${(15e9 / 1024 ** 3).toFixed(2)} GiB in all`);
    expect(stdout).toMatch(/^fits: \d+ sequence\(s\) of 8192 tokens at once$/m);
    // the token goes to the Hub only, never to the host the Hub redirects to
    const cdn = hub.requests.filter((request) => request.url.startsWith('localhost'));
    expect(cdn).toHaveLength(1);
    expect(cdn[0]!.authorization).toBeUndefined();
    expect(hub.requests.filter((request) => request.url.startsWith('127.0.0.1')).every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(stdout).not.toContain(TOKEN);
  });

  test('exits 1 and says what would fit when it does not', async () => {
    const dir = await tempDir('fit-');
    await writeFile(join(dir, 'config.json'), JSON.stringify(LLAMA_3_70B));
    const { code, stdout } = await runCli('fit', '--model', dir, '--gpu', 'H100', '--count', '1', '--max-model-len', '8192');
    expect(code).toBe(1);
    expect(stdout).toContain('320.0 KiB per token');
    expect(stdout).toContain('does not fit: the weights and runtime need');
    expect(stdout).toContain('fits on 2× H100 (serving.gpu.count: 2)');
  });

  test('catalog check --fit fails an entry that does not fit and only warns when the Hub will not say', async () => {
    process.env.HF_ENDPOINT = hub.endpoint;
    const dir = await tempDir('catalog-');
    const entry = (name: string, repo: string, gpu: string) =>
      `name: ${name}\nsource:\n  huggingface:\n    repo: ${repo}\nserving:\n  maxModelLen: 8192\n  gpu: { type: ${gpu}, count: 1 }\n`;
    await writeFile(join(dir, 'qwen-on-t4.yaml'), entry('qwen-on-t4', 'Qwen/Qwen2.5-7B-Instruct', 'T4'));
    await writeFile(join(dir, 'llama-gated.yaml'), entry('llama-gated', 'meta-llama/Llama-3.1-8B-Instruct', 'L4'));

    const { code, stdout } = await runCli('catalog', 'check', '--catalog', dir, '--fit');
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${join(dir, 'llama-gated.yaml')}:\\d+:\\d+: warning: cannot check that llama-gated fits`));
    expect(lines[1]).toMatch(new RegExp(`^${join(dir, 'qwen-on-t4.yaml')}:\\d+:\\d+: Qwen/Qwen2.5-7B-Instruct@main .*`));

    const offline = await runCli('catalog', 'check', '--catalog', dir);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toBe('');
  });

  test('--json prints the numbers', async () => {
    const dir = await tempDir('fit-');
    await writeFile(join(dir, 'config.json'), JSON.stringify(QWEN_2_5_7B));
    const { code, stdout } = await runCli('fit', '--model', dir, '--gpu', 'H100', '--count', '8', '--max-model-len', '32768', '--json');
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ fits: false, kvBytesPerToken: 57344, smallestCount: 1, gpu: 'H100', count: 8 });
    expect(result.problems).toContain('vLLM needs the 28 attention heads to divide evenly across 8 GPUs');
  });

  test('a gated repository without access says to set HF_TOKEN', async () => {
    process.env.HF_ENDPOINT = hub.endpoint;
    delete process.env.HF_TOKEN;
    const { code, stderr } = await runCli('fit', '--model', 'meta-llama/Llama-3.3-70B-Instruct', '--gpu', 'H100', '--count', '8', '--max-model-len', '8192');
    expect(code).toBe(1);
    expect(stderr).toContain('meta-llama/Llama-3.3-70B-Instruct is gated or private (HTTP 401); set HF_TOKEN');
  });

  test('a busy Hub (503 with Retry-After) is asked again after the wait it names', async () => {
    process.env.HF_ENDPOINT = hub.endpoint;
    hub.busyOnce.add('/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json');
    const started = Date.now();
    const { code, stdout, stderr } = await runCli('fit', '--model', 'Qwen/Qwen2.5-7B-Instruct', '--gpu', 'L4', '--count', '1', '--max-model-len', '8192');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^fits: /m);
    expect(hub.requests.filter((request) => request.url.endsWith('/resolve/main/config.json'))).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test('a Hub endpoint over plain http to another host is refused before any request', async () => {
    process.env.HF_ENDPOINT = 'http://hub.example.invalid';
    process.env.HF_TOKEN = TOKEN;
    const { code, stderr } = await runCli('fit', '--model', 'Qwen/Qwen2.5-7B-Instruct', '--gpu', 'L4', '--max-model-len', '8192');
    expect(code).toBe(2);
    expect(stderr).toContain('the Hugging Face endpoint (HF_ENDPOINT) must be an https:// URL');
    expect(stderr).not.toContain(TOKEN);
  });

  test('usage errors exit 2', async () => {
    expect((await runCli('fit', '--model', 'x/y', '--gpu', 'V100', '--max-model-len', '8192')).stderr).toContain("unknown GPU type 'V100'");
    expect((await runCli('fit', '--model', 'x/y', '--gpu', 'L4', '--max-model-len', 'lots')).code).toBe(2);
    expect((await runCli('fit', '--gpu', 'L4', '--max-model-len', '8192')).stderr).toContain('--model is required');
  });
});
