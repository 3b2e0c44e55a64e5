import { request } from 'node:http';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's support service (global-setup.ts), in projects that have it */
    testkitService?: string;
  }
}

/**
 * Asks the run's support service (started by global-setup.ts in vitest's main process) for a shared
 * resource: the Ceph cluster, an action bundle. Undefined when this run has no support service, so the
 * caller makes its own. node:http rather than fetch: a cluster start can wait minutes for the lock
 * other checkouts hold, longer than fetch waits for response headers.
 */
export async function askSupportService<T>(what: string, params: Record<string, string>): Promise<T | undefined> {
  let url: string | undefined;
  try {
    url = inject('testkitService');
  } catch {
    return undefined; // not inside a vitest worker
  }
  if (!url) return undefined;
  const body = JSON.stringify(params);
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${url}/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  if (answer.status !== 200) throw new Error(answer.text || `the test kit's support service answered ${answer.status} to ${what}`);
  return JSON.parse(answer.text) as T;
}
