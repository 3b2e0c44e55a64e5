import type { CliOption, CommandDefinition } from './command.js';

export function renderCommandHelp(command: CommandDefinition): string {
  const rows: [string, string][] = Object.entries(command.options).map(([name, option]) => [
    `--${name}${option.value ? ` ${option.value}` : ''}`,
    describe(option),
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `usage: ray-gitops ${command.path.join(' ')} ${command.synopsis}`.trimEnd(),
    '',
    command.summary,
    '',
    'options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}   ${text}`),
    '',
  ].join('\n');
}

function describe(option: CliOption): string {
  const notes = [option.multiple ? 'repeatable' : '', typeof option.default === 'string' ? `default: ${option.default}` : '']
    .filter(Boolean)
    .join(', ');
  return notes ? `${option.description} (${notes})` : option.description;
}

export function renderOverview(commands: readonly Pick<CommandDefinition, 'path' | 'summary'>[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  return [
    'usage: ray-gitops <command> [options]',
    '',
    'From a model catalog entry to a running Ray Serve + vLLM service on EKS, through GitOps.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.path.join(' ').padEnd(width)}   ${c.summary}`),
    '',
    "Run 'ray-gitops <command> --help' for a command's options, 'ray-gitops --version' for the version.",
    'Environment: AWS_REGION, AWS_ENDPOINT_URL[_S3|_CODEBUILD|_ECR|_CLOUDWATCH_LOGS], HF_ENDPOINT, HF_TOKEN.',
    '',
  ].join('\n');
}
