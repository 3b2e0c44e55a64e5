import { createServer, globalAgent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { backoffMs, guardedFetch, isLoopbackHost, retryAfterMs, retrying, StallError } from '../../src/net/index.js';

const headers = (values: Record<string, string>) => new Headers(values);

describe('net kernel', () => {
  it('reads Retry-After as seconds or an HTTP date, and RateLimit t=', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': 'Fri, 04 Dec 2026 12:00:07 GMT' }), now)).toBe(7000);
    expect(retryAfterMs(headers({ 'retry-after': 'Fri, 04 Dec 2026 11:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(headers({ ratelimit: 'limit=100, remaining=0, reset=9;t=9' }), now)).toBe(9000);
    expect(retryAfterMs(headers({}), now)).toBeUndefined();
  });

  it('backs off exponentially with equal or full jitter, capped', () => {
    const policy = { attempts: 8, baseMs: 200, maxMs: 1000 };
    expect(backoffMs(0, policy, () => 0)).toBe(100);
    expect(backoffMs(0, policy, () => 0.999999)).toBe(199);
    expect(backoffMs(10, policy, () => 0)).toBe(500);
    expect(backoffMs(3, policy, () => 0, 'full')).toBe(0);
    expect(backoffMs(3, policy, () => 0.5, 'full')).toBe(500);
  });

  it('ends a call that keeps stalling within twice the idle timeout, retries included', async () => {
    const started = Date.now();
    let attempts = 0;
    const events: number[] = [];
    const failure = await retrying(
      async (_attempt, signal) => {
        attempts++;
        // a request that never answers until its idle timer (300 ms) or the stall window fires
        await new Promise((_resolve, reject) => {
          const timer = setTimeout(() => reject(new StallError('GET http://127.0.0.1/x', 300)), 300);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason as Error);
          });
        });
      },
      { policy: { attempts: 8, baseMs: 10, maxMs: 20 }, isRetryable: () => true, stallWindowMs: 300, onRetry: (e) => events.push(e.attempt) },
    ).catch((e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(StallError);
    expect(Date.now() - started).toBeLessThan(2 * 300 + 100);
    expect(attempts).toBe(2);
    expect(events).toEqual([1]);
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '127.0.0.1.example.com', 'example.com', '0.0.0.0'].some(isLoopbackHost)).toBe(false);
  });

  it('an answer that stops mid-body is a StallError after the idle timeout', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only the first bytes');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const answer = await guardedFetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, { idleTimeoutMs: 300 });
      const started = Date.now();
      await expect(answer.text()).rejects.toThrow(/no byte moved for 300 ms/);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a reader that pauses holds the server back instead of buffering the body in memory', async () => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(total) });
      const block = Buffer.alloc(1024 * 1024, 0x61);
      const pump = () => {
        while (written < total) {
          written += block.length;
          if (!res.write(block)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const answer = await guardedFetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/weights`, { idleTimeoutMs: 5000 });
      const chunks = answer.chunks()[Symbol.asyncIterator]();
      let received = (await chunks.next()).value!.length;
      await new Promise((ok) => setTimeout(ok, 500));
      // what the server got rid of while the reader slept sits in socket buffers and the stream, not in
      // an ever-growing queue: a model download's memory does not depend on how fast the Hub sends
      expect(written).toBeLessThan(24 * 1024 * 1024);
      for (let step = await chunks.next(); !step.done; step = await chunks.next()) received += step.value.length;
      expect(received).toBe(total);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('leaves no socket busy after a redirect, so a finished run exits at once instead of waiting on it', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/resolve') res.writeHead(302, { 'location': '/cdn', 'content-length': '0' }).end();
      else res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      const answer = await guardedFetch(`http://127.0.0.1:${port}/resolve`, { idleTimeoutMs: 5000 });
      expect(await answer.text()).toBe('ok');
      // a busy socket is held by the agent (and keeps the event loop alive) until its answer is read
      const busy = () => Object.entries(globalAgent.sockets).filter(([name, sockets]) => name.includes(`:${port}:`) && (sockets?.length ?? 0) > 0);
      for (let wait = 0; wait < 20 && busy().length > 0; wait++) await new Promise((ok) => setTimeout(ok, 10));
      expect(busy()).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
