import type { Reporter } from '@ray-gitops/core/report';

/** One command-line option: how to parse it and how --help describes it. */
export interface CliOption {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  /** placeholder shown in help, e.g. DIR */
  readonly value?: string;
  readonly description: string;
}

/** Where a command writes: results to stdout, everything meant for a person to stderr. */
export interface CliStreams {
  readonly stdout: { write(text: string): unknown };
  /** isTTY: a terminal, where progress is redrawn in place */
  readonly stderr: { readonly isTTY?: boolean; write(text: string): unknown };
  /**
   * where `--format github` writes its workflow commands (escaped annotations), when stdout itself is
   * guarded against commands; default stdout
   */
  readonly workflowCommands?: { write(text: string): unknown };
}

export interface CommandContext {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
  readonly streams: CliStreams;
  readonly reporter: Reporter;
}

/** Exit codes: 0 all good, 1 the input has problems (or the work failed), 2 the command was asked wrongly. */
export const ExitCode = { ok: 0, problemsFound: 1, usage: 2 } as const;

export interface CommandDefinition {
  /** words after `ray-gitops`, e.g. ['catalog', 'check'] */
  readonly path: readonly string[];
  readonly summary: string;
  /** the synopsis after the command words */
  readonly synopsis: string;
  readonly options: Readonly<Record<string, CliOption>>;
  /** placeholder for positional arguments, when the command takes them */
  readonly positionals?: string;
  run(context: CommandContext): Promise<number>;
}
