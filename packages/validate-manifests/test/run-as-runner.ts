import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

export interface RunnerResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/**
 * Runs a committed action bundle the way the Actions runner does: every input from action.yml as an
 * INPUT_* variable (the given value, else the declared default), and the file commands.
 */
export async function runAsRunner(action: string, inputs: Record<string, string>): Promise<RunnerResult> {
  const declared = await declaredInputs(action);
  const unknown = Object.keys(inputs).filter((name) => !(name in declared));
  if (unknown.length > 0) throw new Error(`${action}/action.yml declares no input ${unknown.join(', ')}`);
  const work = await mkdtemp(join(tmpdir(), 'runner-'));
  const outputFile = join(work, 'output');
  const summaryFile = join(work, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: REPO_ROOT,
  };
  for (const [name, fallback] of Object.entries(declared)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = inputs[name] ?? fallback;
  }

  const { exitCode, stdout } = await new Promise<{ exitCode: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'packages', action, 'dist', 'index.js')], { cwd: REPO_ROOT, env }, (error, out) =>
      resolve({ exitCode: error ? Number(error.code ?? 1) : 0, stdout: out }),
    );
  });
  return {
    exitCode,
    stdout,
    outputs: parseFileCommand(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
  };
}

/** Reads `name<<DELIMITER\nvalue\nDELIMITER` records, the format @actions/core writes to GITHUB_OUTPUT. */
function parseFileCommand(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}

async function declaredInputs(action: string): Promise<Record<string, string>> {
  const metadata = parse(await readFile(join(REPO_ROOT, 'packages', action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: string }>;
  };
  return Object.fromEntries(Object.entries(metadata.inputs ?? {}).map(([name, input]) => [name, input.default ?? '']));
}
