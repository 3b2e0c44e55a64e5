import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { BUILTIN_KINDS, BUILTIN_MODELS_VERSION } from '../../src/validate/schema/builtin-kinds.js';

const require = createRequire(import.meta.url);

/** Every top-level kind the installed kubernetes-models ships: apiVersion/kind → _schemas module. */
async function installedKinds(): Promise<{ version: string; kinds: Map<string, string> }> {
  // resolve through core's own dependency, as the source does
  const root = dirname(require.resolve('kubernetes-models/package.json', { paths: [new URL('../../', import.meta.url).pathname] }));
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const kinds = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '_schemas') {await walk(path);} else if (entry.name.endsWith('.js') && entry.name !== 'index.js') {
        const text = await readFile(path, 'utf8');
        const apiVersion = /this\.apiVersion="([^"]+)"/.exec(text)?.[1];
        const kind = /this\.kind="([^"]+)"/.exec(text)?.[1];
        const module = /_schemas\/(\w+)\.js/.exec(text)?.[1];
        if (apiVersion && kind && module) kinds.set(`${apiVersion}/${kind}`, module);
      }
    }
  };
  await walk(root);
  return { version, kinds };
}

test('the built-in kind table matches the installed kubernetes-models (regenerate it after an upgrade)', async () => {
  const { version, kinds } = await installedKinds();
  expect(BUILTIN_MODELS_VERSION).toBe(version);
  expect(Object.keys(BUILTIN_KINDS).sort()).toEqual([...kinds.keys()].sort());
  expect(kinds.get('apps/v1/Deployment')).toBe('IoK8sApiAppsV1Deployment');
});

test('every entry of the table loads a validator', async () => {
  for (const [key, load] of Object.entries(BUILTIN_KINDS)) {
    expect(typeof (await load()).validate, key).toBe('function');
  }
});
