import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode, type CliOption, type CliStreams, type CommandDefinition } from './command.js';
import { COMMAND_ENTRIES, type CommandEntry } from './commands/entries.js';
import { renderCommandHelp, renderOverview } from './help.js';

/** Runs one `ray-gitops` invocation and returns its exit code; never throws. */
export async function main(argv: readonly string[], streams: CliStreams = process): Promise<number> {
  const entry = findCommand(argv);
  if (!entry) {
    const wantsHelp = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    if (wantsHelp) {
      streams.stdout.write(renderOverview(COMMAND_ENTRIES));
      return ExitCode.ok;
    }
    streams.stderr.write(`ray-gitops: unknown command '${argv.join(' ')}'; run 'ray-gitops --help' for the list.\n`);
    return ExitCode.usage;
  }
  // only now the command and what it needs are loaded: --help and typos stay fast
  const command = await entry.load();

  const args = argv.slice(command.path.length);
  if (args.includes('--help') || args.includes('-h')) {
    streams.stdout.write(renderCommandHelp(command));
    return ExitCode.ok;
  }

  const { createStderrReporter } = await import('./stderr-reporter.js');
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

function findCommand(argv: readonly string[]): CommandEntry | undefined {
  return COMMAND_ENTRIES.find((command) => command.path.every((word, index) => argv[index] === word));
}

async function reportFailure(error: unknown, command: CommandDefinition, streams: CliStreams): Promise<number> {
  const { RayGitopsError, UsageError } = await import('@ray-gitops/core');
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
