import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

export const REPO_ROOT = new URL('../../../../', import.meta.url).pathname;

/** The committed bundle of an action, as `uses: …/packages/<action>@ref` runs it. */
export function committedBundle(action: string): string {
  return join(REPO_ROOT, 'packages', action, 'dist', 'index.js');
}

/**
 * Bundles an action's current sources into a temp dir with exactly the esbuild arguments of its
 * projen `bundle:index` task, so a test runs what `dist/index.js` will be without touching it.
 */
export async function bundleAction(action: string): Promise<string> {
  const packageDir = join(REPO_ROOT, 'packages', action);
  const tasks = JSON.parse(await readFile(join(packageDir, '.projen', 'tasks.json'), 'utf8')) as {
    tasks: Record<string, { steps?: { execArgs?: string[] }[] }>;
  };
  const [command, ...args] = tasks.tasks['bundle:index']?.steps?.[0]?.execArgs ?? [];
  if (command !== 'esbuild') throw new Error(`packages/${action} has no esbuild bundle:index task`);
  const outfile = join(await mkdtemp(join(tmpdir(), `${action}-dist-`)), 'index.js');
  const esbuild = join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
  await promisify(execFile)(esbuild, args.map((arg) => (arg.startsWith('--outfile=') ? `--outfile=${outfile}` : arg)), { cwd: packageDir });
  return outfile;
}

export interface RunnerResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export interface RunnerProcess {
  readonly child: ChildProcess;
  /** resolves when the process exits */
  readonly done: Promise<RunnerResult>;
  /** the outputs written so far */
  outputs(): Promise<Record<string, string>>;
}

export interface RunnerOptions {
  /** the action whose action.yml declares the inputs */
  readonly action: string;
  readonly inputs?: Record<string, string>;
  /** extra environment, e.g. AWS_ENDPOINT_URL_* of local servers */
  readonly env?: Record<string, string>;
  /** the checkout the step runs in (working directory and GITHUB_WORKSPACE); default this repository */
  readonly workspace?: string;
}

/**
 * Starts a bundle the way the Actions runner does: every input declared in action.yml as an INPUT_*
 * variable (the given value, else the declared default), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
 */
export async function startAsRunner(bundle: string, options: RunnerOptions): Promise<RunnerProcess> {
  const declared = await declaredInputs(options.action);
  const inputs = options.inputs ?? {};
  const unknown = Object.keys(inputs).filter((name) => !(name in declared));
  if (unknown.length > 0) throw new Error(`${options.action}/action.yml declares no input ${unknown.join(', ')}`);

  const work = await mkdtemp(join(tmpdir(), 'runner-'));
  const outputFile = join(work, 'output');
  const summaryFile = join(work, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: options.workspace ?? REPO_ROOT,
    ...options.env,
  };
  for (const [name, fallback] of Object.entries(declared)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = inputs[name] ?? fallback;
  }

  const child = spawn(actionNode(), [bundle], { cwd: options.workspace ?? REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
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

/**
 * The Node binary bundles run on: RAY_GITOPS_ACTION_NODE when set (.ci/run points it at node24, the
 * runtime action.yml's `runs.using` asks GitHub for), else the Node running the tests.
 */
export function actionNode(): string {
  return process.env.RAY_GITOPS_ACTION_NODE || process.execPath;
}

/** Runs a bundle to completion as the runner would (see startAsRunner). */
export async function runAsRunner(bundle: string, options: RunnerOptions): Promise<RunnerResult> {
  return (await startAsRunner(bundle, options)).done;
}

async function declaredInputs(action: string): Promise<Record<string, string>> {
  const metadata = parse(await readFile(join(REPO_ROOT, 'packages', action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: string }>;
  };
  return Object.fromEntries(Object.entries(metadata.inputs ?? {}).map(([name, input]) => [name, input.default ?? '']));
}

/** Reads `name<<DELIMITER\nvalue\nDELIMITER` records, the format @actions/core writes to GITHUB_OUTPUT. */
function parseFileCommand(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}
