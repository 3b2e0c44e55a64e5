import { parseArgs, type ParseArgsConfig } from 'node:util';
import { guardWorkflowCommands, RayGitopsError, UsageError } from '@ray-gitops/core';
import { ExitCode, type CliOption, type CliStreams, type CommandDefinition } from './command.js';
import { COMMANDS } from './commands/index.js';
import { renderCommandHelp, renderOverview } from './help.js';
import { createStderrReporter } from './stderr-reporter.js';

/** Runs one `ray-gitops` invocation and returns its exit code; never throws. */
export async function main(argv: readonly string[], given: CliStreams = process): Promise<number> {
  const streams = inWorkflowLog(given);
  const command = findCommand(argv);
  if (!command) {
    const wantsHelp = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    if (wantsHelp) {
      streams.stdout.write(renderOverview(COMMANDS));
      return ExitCode.ok;
    }
    streams.stderr.write(`ray-gitops: unknown command '${argv.join(' ')}'; run 'ray-gitops --help' for the list.\n`);
    return ExitCode.usage;
  }

  const args = argv.slice(command.path.length);
  if (args.includes('--help') || args.includes('-h')) {
    streams.stdout.write(renderCommandHelp(command));
    return ExitCode.ok;
  }

  const reporter = createStderrReporter(streams);
  try {
    const parsed = parseArgs({
      args: [...args],
      options: toParseArgsOptions(command.options),
      allowPositionals: command.positionals !== undefined,
      strict: true,
    });
    return await command.run({ values: parsed.values, positionals: parsed.positionals, streams, reporter });
  } catch (error) {
    return reportFailure(error, command, streams);
  }
}

/**
 * In a GitHub Actions step every line the CLI prints is read by the runner, and lines quote catalog
 * fields, file names and servers' answers: no line may start a workflow command. Only the annotations
 * of `--format github`, escaped as workflow-command data, go out unguarded.
 */
function inWorkflowLog(streams: CliStreams): CliStreams {
  if (process.env.GITHUB_ACTIONS !== 'true') return streams;
  return {
    stdout: guardWorkflowCommands(streams.stdout),
    stderr: guardWorkflowCommands(streams.stderr),
    workflowCommands: streams.workflowCommands ?? streams.stdout,
  };
}

function toParseArgsOptions(options: CommandDefinition['options']): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    // parseArgs rejects keys present with an undefined value, so only set what the option has
    Object.entries(options).map(([name, option]: [string, CliOption]) => [
      name,
      {
        type: option.type,
        ...(option.multiple ? { multiple: true } : {}),
        ...(option.default !== undefined ? { default: option.default } : {}),
      },
    ]),
  ) as NonNullable<ParseArgsConfig['options']>;
}

function findCommand(argv: readonly string[]): CommandDefinition | undefined {
  return COMMANDS.find((command) => command.path.every((word, index) => argv[index] === word));
}

function reportFailure(error: unknown, command: CommandDefinition, streams: CliStreams): number {
  const name = `ray-gitops ${command.path.join(' ')}`;
  if (error instanceof UsageError || isParseArgsError(error)) {
    streams.stderr.write(`${name}: ${(error as Error).message}\nRun '${name} --help' for usage.\n`);
    return ExitCode.usage;
  }
  if (error instanceof RayGitopsError) {
    streams.stderr.write(`${name}: ${error.message}\n`);
    return ExitCode.problemsFound;
  }
  // An error we did not anticipate is a bug in ray-gitops, not in the user's input: say so, keep the stack.
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  streams.stderr.write(`${name}: internal error, please report it with this output:\n${detail}\n`);
  return ExitCode.problemsFound;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
