import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
const PACKAGE_DIR = join(REPO_ROOT, 'packages/build-image');

/**
 * Bundles the action into a temp dir with the flags of the package's `bundle:index` task, so the
 * test runs what `dist/index.js` would be, without touching the committed dist/.
 */
export async function bundleAction(): Promise<string> {
  const outfile = join(await mkdtemp(join(tmpdir(), 'build-image-dist-')), 'index.js');
  await build({
    absWorkingDir: PACKAGE_DIR,
    entryPoints: ['./src/index.ts'],
    bundle: true,
    target: 'node24',
    platform: 'node',
    outfile,
    format: 'esm',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    conditions: ['source'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

export interface RunnerProcess {
  readonly child: ChildProcess;
  /** resolves when the process exits */
  readonly done: Promise<RunnerResult>;
  /** the outputs written so far */
  outputs(): Promise<Record<string, string>>;
}

export interface RunnerResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Starts a bundle as the Actions runner does: INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. */
export async function startAsRunner(bundle: string, inputs: Record<string, string>, env: Record<string, string>): Promise<RunnerProcess> {
  const work = await mkdtemp(join(tmpdir(), 'runner-'));
  const outputFile = join(work, 'output');
  const summaryFile = join(work, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: REPO_ROOT,
    ...env,
  };
  for (const [name, value] of Object.entries(inputs)) childEnv[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(process.execPath, [bundle], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const outputs = async () => parseFileCommand(await readFile(outputFile, 'utf8'));
  const done = new Promise<RunnerResult>((resolve) => {
    child.on('close', (exitCode, signal) => {
      void (async () => resolve({ exitCode, signal, stdout, outputs: await outputs(), summary: await readFile(summaryFile, 'utf8') }))();
    });
  });
  return { child, outputs, done };
}

/** Reads `name<<DELIMITER\nvalue\nDELIMITER` records, the format @actions/core writes to GITHUB_OUTPUT. */
function parseFileCommand(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}
