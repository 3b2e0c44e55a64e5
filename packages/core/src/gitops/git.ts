import { execFile } from 'node:child_process';
import { GitCommandError } from './errors.js';

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Who commit-back commits as; passed per command (`-c user.name=…`), never written to any git config. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/**
 * The narrow adapter commit-back uses: runs `git` in one repository with a fixed identity, no
 * prompts, no signing and the C locale, so the same code runs on a laptop, in Actions and in tests.
 */
export class Git {
  constructor(
    readonly dir: string,
    private readonly identity?: GitIdentity,
    /** added to git's environment (e.g. GIT_CONFIG_* carrying a credential for one command) */
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  /** Runs git; a non-zero exit is returned, not thrown. */
  async tryRun(args: readonly string[]): Promise<GitResult> {
    const config = [
      ...(this.identity ? ['-c', `user.name=${this.identity.name}`, '-c', `user.email=${this.identity.email}`] : []),
      '-c',
      'commit.gpgsign=false',
      '-c',
      'core.quotePath=false',
    ];
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        [...config, ...args],
        {
          cwd: this.dir,
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_EDITOR: 'true', ...this.env },
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            reject(new GitCommandError(args, -1, String(error.message), `cannot run git (${error.code ?? error.message}); is git installed and on PATH?`));
            return;
          }
          resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    });
  }

  /** Runs git; a non-zero exit throws GitCommandError. Returns stdout. */
  async run(args: readonly string[]): Promise<string> {
    const result = await this.tryRun(args);
    if (result.code !== 0) throw new GitCommandError(args, result.code, result.stderr);
    return result.stdout;
  }
}
