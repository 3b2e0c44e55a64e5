import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode, type CliOption, type CliStreams, type CommandContext, type CommandDefinition } from './command.js';
import { COMMAND_ENTRIES, type CommandEntry } from './commands/entries.js';
import { renderCommandHelp, renderOverview } from './help.js';
import { defaultPath } from './repository.js';

/** Runs one `ray-gitops` invocation and returns its exit code; never throws. */
export async function main(argv: readonly string[], given: CliStreams = process): Promise<number> {
  const streams = process.env.GITHUB_ACTIONS === 'true' ? await inWorkflowLog(given) : given;
  const entry = findCommand(argv);
  if (!entry) {
    const wantsHelp = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    if (wantsHelp) {
      streams.stdout.write(renderOverview(COMMAND_ENTRIES));
      return ExitCode.ok;
    }
    if (argv.length === 1 && argv[0] === '--version') {
      streams.stdout.write(`ray-gitops ${cliVersion()}\n`);
      return ExitCode.ok;
    }
    const suggestion = await suggestCommand(argv);
    streams.stderr.write(
      suggestion
        ? `ray-gitops: unknown command '${argv.slice(0, suggestion.path.length).join(' ')}'; did you mean 'ray-gitops ${suggestion.path.join(' ')}'?\n`
        : `ray-gitops: unknown command '${argv.join(' ')}'; run 'ray-gitops --help' for the list.\n`,
    );
    return ExitCode.usage;
  }
  // only now the command and what it needs are loaded: --help and --version stay fast
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
      tokens: true,
    });
    const values = withRepositoryDefaults(command, parsed.values, new Set(parsed.tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : []))));
    return await command.run({ values, positionals: parsed.positionals, streams, reporter });
  } catch (error) {
    return reportFailure(error, command, streams);
  }
}

/**
 * In a GitHub Actions step every line the CLI prints is read by the runner, and lines quote catalog
 * fields, file names and servers' answers: no line may start a workflow command. Only the annotations
 * of `--format github`, escaped as workflow-command data, go out unguarded.
 */
async function inWorkflowLog(streams: CliStreams): Promise<CliStreams> {
  const { guardWorkflowCommands } = await import('@ray-gitops/core');
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

/**
 * Path options left at their default (a DIR or FILE in the repository, such as gitops/models) are
 * taken from the repository root, not the current directory, as git does; given paths are the user's.
 */
function withRepositoryDefaults(
  command: CommandDefinition,
  values: CommandContext['values'],
  given: ReadonlySet<string>,
): CommandContext['values'] {
  const resolved = { ...values };
  for (const [name, option] of Object.entries(command.options)) {
    const isPath = option.value === 'DIR' || option.value === 'FILE';
    if (isPath && typeof option.default === 'string' && option.default !== '' && !given.has(name)) resolved[name] = defaultPath(option.default);
  }
  return resolved;
}

/** The version of this package, from its package.json (one folder above src/ and lib/). */
function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The command a mistyped one most likely meant: `valdiate` → validate, `catalog chek` → catalog check. */
async function suggestCommand(argv: readonly string[]): Promise<CommandEntry | undefined> {
  if (argv.length === 0 || argv[0]!.startsWith('-')) return undefined;
  const { closestMatch } = await import('@ray-gitops/core');
  for (const words of [2, 1]) {
    const typed = argv.slice(0, words).join(' ');
    const candidates = COMMAND_ENTRIES.filter((c) => c.path.length === words).map((c) => c.path.join(' '));
    const match = argv.length >= words ? closestMatch(typed, candidates) : undefined;
    if (match !== undefined) return COMMAND_ENTRIES.find((c) => c.path.join(' ') === match);
  }
  // `catalog` alone, or `catalog chek`: the group is right, the command word is not
  return COMMAND_ENTRIES.find((c) => c.path.length > 1 && c.path[0] === argv[0]);
}

function findCommand(argv: readonly string[]): CommandEntry | undefined {
  return COMMAND_ENTRIES.find((command) => command.path.every((word, index) => argv[index] === word));
}

async function reportFailure(error: unknown, command: CommandDefinition, streams: CliStreams): Promise<number> {
  const { closestMatch, RayGitopsError, UsageError } = await import('@ray-gitops/core');
  const name = `ray-gitops ${command.path.join(' ')}`;
  if (error instanceof UsageError || isParseArgsError(error)) {
    const message = error instanceof UsageError ? error.message : parseArgsMessage(error as Error & { code: string }, command, closestMatch);
    streams.stderr.write(`${name}: ${message}\nRun '${name} --help' for usage.\n`);
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

/**
 * Node's parseArgs messages, in the words of this command line: an unknown option gets the closest
 * real one, and the advice about '--' (which this CLI never needs) is left out.
 */
function parseArgsMessage(
  error: Error & { code: string },
  command: CommandDefinition,
  closestMatch: (typed: string, candidates: readonly string[]) => string | undefined,
): string {
  const ambiguous = /^Option '(-{1,2}[^']+)' argument is ambiguous/.exec(error.message);
  // `--workers -1`: parseArgs explains over three lines; one is enough
  if (ambiguous) return `${ambiguous[1]} needs a value; a value starting with '-' is written ${ambiguous[1]}=VALUE`;
  const message = error.message.replace(/\.? To specify (a positional|an option) argument[\s\S]*$/, '');
  const unknown = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '(-{1,2})([^'=]+)/.exec(message) : null;
  if (!unknown) return message;
  const match = closestMatch(unknown[2]!, [...Object.keys(command.options), 'help']);
  return match ? `${message}; did you mean '--${match}'?` : message;
}
