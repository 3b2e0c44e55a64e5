import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

/** Lines the Actions runner would obey: `::` after leading whitespace, at \n, \r\n or \r (actions/runner TryParseV2). */
const commandLines = (output: string) => output.split(/\r\n|\r|\n/).filter((line) => line.trimStart().startsWith('::'));

describe('the CLI inside a GitHub Actions step', () => {
  let dir: string;
  const saved = process.env.GITHUB_ACTIONS;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workflow-log-'));
    process.env.GITHUB_ACTIONS = 'true';
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.GITHUB_ACTIONS;
    else process.env.GITHUB_ACTIONS = saved;
    await rm(dir, { recursive: true, force: true });
  });

  test('a catalog file name and field carrying workflow commands reach the log as plain text', async () => {
    // a pull request controls both: the file's name and what it holds
    const name = 'qwen\n::add-mask::\n::error title=Deploy approved::all checks passed\r::stop-commands::x\n.yaml';
    await writeFile(join(dir, name), 'name: "qwen\\n::set-output name=image::attacker/image"\nsource: {}\n');
    const { code, stdout, stderr } = await runCli('catalog', 'check', '--catalog', dir);
    expect(code).toBe(1);
    expect(stdout + stderr).toContain('%3A:error title=Deploy approved::all checks passed');
    expect(commandLines(stdout)).toEqual([]);
    expect(commandLines(stderr)).toEqual([]);
  });

  test('validate --format github still writes its annotations as workflow commands', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: 3\n');
    const { code, stdout } = await runCli('validate', '--format', 'github', join(dir, 'bad.yaml'));
    expect(code).toBe(1);
    expect(commandLines(stdout)).toHaveLength(1);
    expect(stdout).toMatch(/^::error file=/m);
  });
});
