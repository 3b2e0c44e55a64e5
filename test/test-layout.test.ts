import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '@ray-gitops/testkit/paths';

/** Every test-side TypeScript file: the packages' tests, the repository's tests, the test kit. */
const files = globSync(['packages/*/test/**/*.ts', 'test/**/*.ts', 'packages/testkit/src/**/*.ts'], { cwd: REPO_ROOT, ignore: ['**/node_modules/**'] });

/** The package (or `test/`) a repository path belongs to. */
function owner(path: string): string {
  const [top, name] = path.split('/');
  return top === 'packages' ? `packages/${name}` : top!;
}

test('no test imports another package’s test folder: shared helpers come from @ray-gitops/testkit', () => {
  expect(files.length).toBeGreaterThan(50);
  const reaching: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
      const target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), specifier!));
      const inTestFolder = /^packages\/[^/]+\/test\//.test(target) || target.startsWith('test/');
      if (inTestFolder && owner(target) !== owner(file)) reaching.push(`${file} imports ${specifier}`);
    }
  }
  expect(reaching).toEqual([]);
});
