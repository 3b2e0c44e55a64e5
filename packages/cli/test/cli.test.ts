import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { COMMAND_ENTRIES } from '../src/commands/entries.js';
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

  test('the lazy command list (what --help reads without loading any command) matches the commands', async () => {
    expect(COMMAND_ENTRIES.map((entry) => [entry.path, entry.summary])).toEqual(COMMANDS.map((command) => [command.path, command.summary]));
    for (const [index, entry] of COMMAND_ENTRIES.entries()) expect(await entry.load()).toBe(COMMANDS[index]);
  });

  test('rejects an unknown command with a pointer to --help', async () => {
    const { code, stderr } = await runCli('deploy');
    expect(code).toBe(2);
    expect(stderr).toBe("ray-gitops: unknown command 'deploy'; run 'ray-gitops --help' for the list.\n");
  });

  test('rejects an unknown option, names it and the option meant, in its own words', async () => {
    const { code, stderr } = await runCli('catalog', 'check', '--catalgo', 'x');
    expect(code).toBe(2);
    expect(stderr).toBe("ray-gitops catalog check: Unknown option '--catalgo'; did you mean '--catalog'?\nRun 'ray-gitops catalog check --help' for usage.\n");
    const far = await runCli('render', '--zzz');
    expect(far.stderr).toBe("ray-gitops render: Unknown option '--zzz'\nRun 'ray-gitops render --help' for usage.\n");
    // Node's parseArgs advice about '--' never reaches the user
    expect(far.stderr).not.toContain('To specify');
  });

  test('suggests the command a mistyped one most likely meant', async () => {
    expect((await runCli('valdiate', 'gitops')).stderr).toBe("ray-gitops: unknown command 'valdiate'; did you mean 'ray-gitops validate'?\n");
    const group = await runCli('catalog', 'chek');
    expect(group.code).toBe(2);
    expect(group.stderr).toBe("ray-gitops: unknown command 'catalog chek'; did you mean 'ray-gitops catalog check'?\n");
  });

  test('--version prints the version of the package', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runCli('--version')).toEqual({ code: 0, stdout: `ray-gitops ${version}\n`, stderr: '' });
  });

  test('a reader that stops early (| head -1) ends the command quietly, without EPIPE', () => {
    // `true` exits before reading anything, so every write meets a closed pipe
    const script = `"${process.execPath}" "${BIN}" validate gitops --verbose --format json | true; echo "exit \${PIPESTATUS[0]}" >&2`;
    const run = spawnSync('bash', ['-c', script], {
      cwd: new URL('../../../', import.meta.url).pathname,
      encoding: 'utf8',
    });
    expect(run.stderr).not.toMatch(/EPIPE|Error|at .*\.js/);
    expect(run.stderr).toMatch(/exit [01]\n$/);
  });

  test('paths left at their default are taken from the repository root, wherever the command runs', () => {
    const run = spawnSync(process.execPath, [BIN, 'catalog', 'check'], { cwd: new URL('../src/commands', import.meta.url).pathname, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('../../../../gitops/models: 3 file(s), 3 valid, 0 error(s)\n');
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
    const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
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

  test('--format json prints one document with every finding and the valid models', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
    await writeFile(
      join(dir, 'broken.yaml'),
      'name: broken\nsource:\n  huggingface:\n    repo: Qwen/Qwen2.5-7B-Instruct\nserving:\n  maxModelLen: 8192\n  gpu: { type: L4, count: 3 }\n',
    );
    const { code, stdout } = await runCli('catalog', 'check', '--catalog', dir, '--format', 'json');
    expect(code).toBe(1);
    type Finding = { file: string; line: number; column: number; severity: string; message: string };
    const document = JSON.parse(stdout) as { files: number; errors: number; diagnostics: Finding[] };
    expect(document).toMatchObject({ files: 1, errors: 1 });
    expect(document.diagnostics[0]).toMatchObject({ file: join(dir, 'broken.yaml'), line: 7, column: 27, severity: 'error' });
    expect(document.diagnostics[0]!.message).toContain('power of two');
    const good = JSON.parse((await runCli('catalog', 'check', '--format', 'json')).stdout) as { valid: number; models: { name: string }[] };
    expect(good.valid).toBe(3);
    expect(good.models.map((m) => m.name)).toContain('qwen2-5-7b-instruct');
  });

  test('works as the installed `ray-gitops` binary', async () => {
    const { stdout, stderr } = await promisify(execFile)(BIN, ['catalog', 'check']);
    expect(stdout).toBe('');
    expect(stderr).toContain('3 valid, 0 error(s)');
  });
});
