import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '@ray-gitops/testkit/temp';
import { describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { COMMANDS } from '../src/commands/index.js';

/** the link `npm ci` creates at the workspace root, which `npx ray-gitops` runs */
const BIN = new URL('../../../node_modules/.bin/ray-gitops', import.meta.url).pathname;

describe('ray-gitops command line', () => {
  test('lists every command of the contract in its overview', async () => {
    const { code, stdout } = await runCli('--help');
    expect(code).toBe(0);
    for (const command of ['catalog check', 'render', 'validate', 'prestage', 'build-image', 'fit']) {
      expect(stdout).toContain(`  ${command} `);
    }
  });

  test.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('`%s --help` documents every option', async (_name, command) => {
    const { code, stdout } = await runCli(...command.path, '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: ray-gitops ${command.path.join(' ')}`));
    for (const option of Object.keys(command.options)) expect(stdout).toContain(`--${option}`);
  });

  test('rejects an unknown command with a pointer to --help', async () => {
    const { code, stderr } = await runCli('deploy');
    expect(code).toBe(2);
    expect(stderr).toBe("ray-gitops: unknown command 'deploy'; run 'ray-gitops --help' for the list.\n");
  });

  test('rejects an unknown option and names it', async () => {
    const { code, stderr } = await runCli('catalog', 'check', '--catalgo', 'x');
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--catalgo'");
    expect(stderr).toContain("Run 'ray-gitops catalog check --help' for usage.");
  });
});

describe('ray-gitops catalog check', () => {
  test('passes on the committed catalog', async () => {
    const { code, stdout, stderr } = await runCli('catalog', 'check');
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^gitops\/models: 3 file\(s\), 3 valid, 0 error\(s\)\n$/);
    expect(code).toBe(0);
  });

  test('prints one FILE:LINE:COL line per problem and exits 1', async () => {
    const dir = await tempDir('catalog-');
    await writeFile(
      join(dir, 'broken.yaml'),
      'name: broken\nsource:\n  huggingface:\n    repo: Qwen/Qwen2.5-7B-Instruct\nserving:\n  maxModelLen: 8192\n  gpu: { type: L4, count: 3 }\n',
    );
    await writeFile(join(dir, 'bomb.yaml'), 'a: &a [x, x]\nb: *a\n');
    const { code, stdout } = await runCli('catalog', 'check', '--catalog', dir);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${join(dir, 'bomb.yaml')}:1:4: `));
    expect(lines[1]).toMatch(new RegExp(`^${join(dir, 'broken.yaml')}:7:27: .*power of two`));
  });

  test('reports a missing catalog directory as an error, not a crash', async () => {
    const { code, stderr } = await runCli('catalog', 'check', '--catalog', '/nonexistent/models');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ray-gitops catalog check: .*\/nonexistent\/models/);
    expect(stderr).not.toContain('internal error');
  });

  test('works as the installed `ray-gitops` binary', async () => {
    const { stdout, stderr } = await promisify(execFile)(BIN, ['catalog', 'check']);
    expect(stdout).toBe('');
    expect(stderr).toContain('3 valid, 0 error(s)');
  });
});
