/**
 * The README's commands, run. Every fenced `sh` block is executed in order, one command at a time, in a
 * scratch clone of this working tree (with a bare "origin" of its own, so `git push` is real), after
 * the `yaml title=PATH` blocks before it are written to PATH. A claim the README makes that stops
 * holding fails here.
 *
 * Three commands are not re-run, and why:
 *   npm ci    would delete and reinstall node_modules under the test run that needs it; the test checks
 *             what it relies on instead: the lockfile, the workspaces and the `prepare` script npm ci runs.
 *   npm test  runs this file: running it here would recurse. The test checks the script exists.
 *   npx ray-gitops schemas fetch
 *             downloads from the internet, which this test has not: it runs `schemas import` of the same
 *             pinned CRDs from the test data instead, so the commands after it see a full schema cache.
 * `npm start` is run for real. Blocks marked `sh needs-cluster` hold only kubectl/curl lines (checked
 * below) and are not run: there is no cluster here (docs/troubleshooting.md says what that leaves unproven).
 * Blocks marked `sh skip-test` describe commands the CLI does not have yet; the test fails as soon as
 * it has them all, so the mark is removed when they land.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../packages/cli/src/commands/index';

const ROOT = resolve(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  readonly lang: string;
  readonly flags: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly body: string;
  readonly line: number;
}

/** Fenced code blocks (``` fences, indented up to three spaces as in list items), with their info strings. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [lang = '', ...words] = open[2]!.trim().split(/\s+/);
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^ {0,3}```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, /^ */.exec(lines[j]!)![0].length)));
    blocks.push({
      lang,
      flags: words.filter((w) => !w.includes('=')),
      attributes: Object.fromEntries(words.filter((w) => w.includes('=')).map((w) => w.split('=', 2) as [string, string])),
      body: body.join('\n'),
      line: i + 1,
    });
    i = j;
  }
  return blocks;
}

/** The commands of a shell block: one per line, `\` continuations joined, comments dropped. */
function commandsOf(block: Block): string[] {
  return block.body
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}

type Step = { kind: 'write'; path: string; content: string; line: number } | { kind: 'run'; command: string; line: number };

const blocks = fencedBlocks(README);
const shellBlocks = blocks.filter((b) => b.lang === 'sh');
const steps: Step[] = blocks.flatMap((block): Step[] => {
  if (block.attributes.title && block.lang !== 'sh') return [{ kind: 'write', path: block.attributes.title, content: `${block.body}\n`, line: block.line }];
  if (block.lang !== 'sh' || block.flags.length > 0) return [];
  return commandsOf(block).map((command) => ({ kind: 'run', command, line: block.line }));
});

/** What a command's output must show beyond exit 0: the README's comments next to it say so. */
const CLAIMS: Record<string, RegExp> = {
  'npm start': /ray-gitops pipeline: /,
  'npx ray-gitops catalog check': /gitops\/models: 4 file\(s\), 4 valid, 0 error\(s\)/,
  'npx ray-gitops validate': /Summary: \d+ resources found in \d+ files - Valid: \d+, Invalid: 0, Errors: 0/,
  'npx ray-gitops plan --offline': /<!-- ray-gitops-plan -->[\s\S]*`qwen2-5-0-5b-instruct`/,
};

/** Commands run in another form here (see the top of this file). */
const RUN_INSTEAD: Record<string, string> = {
  'npx ray-gitops schemas fetch': `npx ray-gitops schemas import ${JSON.stringify(join(ROOT, '..', 'shared', 'crds'))}`,
};

/** What must hold after a command, beyond its output. */
const AFTERWARDS: Record<string, () => void> = {
  // "everything it writes stays under .ray-gitops/ (gitignored)"
  'npm start': () => expect(git('status', '--porcelain')).toBe(''),
};

/** Commands run elsewhere or checked instead of run (see the top of this file). */
const CHECKED_NOT_RUN: Record<string, (pkg: { scripts: Record<string, string>; workspaces: string[] }) => void> = {
  'npm ci': (pkg) => {
    expect(existsSync(join(ROOT, 'package-lock.json'))).toBe(true);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { workspaces?: string[] }> };
    expect(lock.packages['']!.workspaces).toEqual(pkg.workspaces);
    // `npx ray-gitops works from here on` holds because npm ci runs prepare, which compiles
    expect(pkg.scripts.prepare).toBe('tsc --build');
  },
  'npm test': (pkg) => expect(pkg.scripts.test).toBe('projen test'),
};

let clone: string;
let origin: string;
let env: NodeJS.ProcessEnv;

function run(command: string, cwd: string = clone): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function git(...args: string[]): string {
  const result = spawnSync('git', args, { cwd: clone, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), 'readme-'));
  clone = join(work, 'ray-gitops');
  origin = join(work, 'origin.git');
  // the working tree as a fresh clone would have it, plus what npm ci builds: compiled lib/ and node_modules
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0');
  for (const file of files.filter((f) => f !== '' && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(ROOT, file), join(clone, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    if (existsSync(join(ROOT, 'packages', pkg, 'lib'))) cpSync(join(ROOT, 'packages', pkg, 'lib'), join(clone, 'packages', pkg, 'lib'), { recursive: true });
    if (existsSync(join(ROOT, 'packages', pkg, 'node_modules'))) symlinkSync(join(ROOT, 'packages', pkg, 'node_modules'), join(clone, 'packages', pkg, 'node_modules'));
  }
  const home = join(work, 'home');
  mkdirSync(home);
  env = {
    PATH: process.env.PATH,
    HOME: home,
    // npm's cache stays where it is: nothing is downloaded, but npx looks there
    npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? home, '.npm'),
    CI: 'true',
    GIT_AUTHOR_NAME: 'A Platform Engineer',
    GIT_AUTHOR_EMAIL: 'engineer@example.com',
    GIT_COMMITTER_NAME: 'A Platform Engineer',
    GIT_COMMITTER_EMAIL: 'engineer@example.com',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  git('init', '--quiet', '--initial-branch=main');
  git('add', '--all');
  git('commit', '--quiet', '-m', 'the repository as cloned');
  spawnSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin], { env });
  git('remote', 'add', 'origin', origin);
  git('push', '--quiet', 'origin', 'main');
}, 120_000);

afterAll(() => {
  if (clone) rmSync(dirname(clone), { recursive: true, force: true });
});

describe('README.md', () => {
  it('stands on its own: no pointer to material outside the repository', () => {
    expect(README).not.toContain('../shared');
    expect(README).not.toMatch(/DESIGN document/i);
  });

  it('links only to files that exist, and so do the pages in docs/', () => {
    for (const page of ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)]) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      expect(text, page).not.toContain('../shared');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (!/^https?:/.test(target!)) expect(existsSync(join(ROOT, dirname(page), target!)), `${page} → ${target}`).toBe(true);
      }
    }
  });

  it('has the two commands, a walkthrough with a model file, and commands to run', () => {
    expect(shellBlocks[0] && commandsOf(shellBlocks[0])).toEqual(['npm ci', 'npm start']);
    expect(steps.some((step) => step.kind === 'write' && step.path.startsWith('gitops/models/'))).toBe(true);
    expect(steps.filter((step) => step.kind === 'run').length).toBeGreaterThanOrEqual(8);
  });

  it('marks as needs-cluster only kubectl and curl lines', () => {
    for (const block of shellBlocks.filter((b) => b.flags.includes('needs-cluster'))) {
      for (const command of commandsOf(block)) expect(command, `README.md:${block.line}`).toMatch(/^(kubectl|curl) /);
    }
  });

  it('marks as skip-test only blocks that use a command the CLI does not have yet', () => {
    const known = new Set(COMMANDS.map((c) => c.path.join(' ')));
    for (const block of shellBlocks.filter((b) => b.flags.includes('skip-test'))) {
      const missing = commandsOf(block)
        .map((command) => /^npx ray-gitops ((?:[a-z-]+)(?: [a-z-]+)?)/.exec(command)?.[1])
        .filter((words): words is string => words !== undefined && !known.has(words) && !known.has(words.split(' ')[0]!));
      // when this fails, the commands exist: remove `skip-test` so the block is run
      expect(missing, `README.md:${block.line}`).not.toEqual([]);
    }
  });

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; workspaces: string[] };
  it.each(steps.map((step) => [step.kind === 'run' ? step.command : `write ${step.path}`, step] as const))(
    '%s',
    (_name, step) => {
      if (step.kind === 'write') {
        mkdirSync(dirname(join(clone, step.path)), { recursive: true });
        writeFileSync(join(clone, step.path), step.content);
        return;
      }
      const checked = CHECKED_NOT_RUN[step.command];
      if (checked) return checked(pkg);
      const { status, output } = run(RUN_INSTEAD[step.command] ?? step.command);
      expect(status, `README.md:${step.line}: ${step.command}\n${output}`).toBe(0);
      const claim = CLAIMS[step.command];
      if (claim) expect(output, `README.md:${step.line}: ${step.command}`).toMatch(claim);
      expect(output).not.toContain('internal error');
      // no command prints a runtime warning, such as the AWS SDK's notice about Node versions
      expect(output).not.toMatch(/\(node:\d+\) \w*Warning/);
      AFTERWARDS[step.command]?.();
    },
    120_000,
  );

  it('left the pull request branch on origin, holding only the model file', () => {
    const branch = /^git push -u origin (\S+)$/m.exec(steps.map((s) => (s.kind === 'run' ? s.command : '')).join('\n'))?.[1];
    expect(branch).toBeDefined();
    const changed = spawnSync('git', ['--git-dir', origin, 'diff', '--name-only', 'main', branch!], { encoding: 'utf8' }).stdout.trim();
    expect(changed).toBe('gitops/models/qwen2-5-0-5b-instruct.yaml');
  });
});
