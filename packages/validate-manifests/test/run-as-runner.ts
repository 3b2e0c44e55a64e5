import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

export interface RunnerResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Runs a committed action bundle the way the Actions runner does: INPUT_* variables and file commands. */
export async function runAsRunner(action: string, inputs: Record<string, string>): Promise<RunnerResult> {
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
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

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
