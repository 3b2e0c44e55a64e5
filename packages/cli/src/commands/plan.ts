import { writeFile } from 'node:fs/promises';
import { buildPlan, DEFAULT_HUB_TIMEOUT_MS, InputFileError, parseKeyValues, planJson, planMarkdown, UsageError } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';
import { defaultPath } from '../repository.js';

const FORMATS = ['markdown', 'json'] as const;

export const planCommand: CommandDefinition = {
  path: ['plan'],
  summary: 'Show what merging would do: catalog check and fit, image build or reuse, models to stage, rendered files that change. No AWS call.',
  synopsis: '[--catalog DIR] [--out DIR] [--context DIR] [--named-context NAME=DIR]… [--offline] [--hub-timeout SECONDS] [--format markdown|json] [--output FILE]',
  options: {
    'catalog': { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory' },
    'out': { type: 'string', value: 'DIR', default: 'gitops', description: 'the committed rendered tree to compare with' },
    'context': { type: 'string', value: 'DIR', default: 'docker', description: 'image build context; its versions.json is the render\'s too' },
    'named-context': { type: 'string', multiple: true, value: 'NAME=DIR', description: 'extra BuildKit build context, as build-image takes it (default: serve=serve)' },
    'offline': { type: 'boolean', description: 'no Hugging Face calls: fit and model sizes are reported as not checked' },
    'hub-timeout': {
      type: 'string',
      value: 'SECONDS',
      default: String(DEFAULT_HUB_TIMEOUT_MS / 1000),
      description: 'all Hugging Face lookups of the plan together end after this; models not looked up by then are reported as not checked',
    },
    'format': { type: 'string', value: 'FORMAT', default: 'markdown', description: 'markdown (the pull-request comment) or json' },
    'output': { type: 'string', value: 'FILE', description: 'write the plan to FILE instead of stdout' },
  },
  async run({ values, streams, reporter }) {
    const format = values.format as string;
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${FORMATS.join(' or ')}, not '${format}'`);
    const named = values['named-context'] as string[] | undefined;
    const hubTimeout = Number(values['hub-timeout']);
    if (!Number.isFinite(hubTimeout) || hubTimeout <= 0) throw new UsageError(`--hub-timeout must be a number of seconds above 0, not '${String(values['hub-timeout'])}'`);
    const plan = await buildPlan({
      catalogDir: values.catalog as string,
      outDir: values.out as string,
      contextDir: values.context as string,
      // the default serve/ is the repository's, wherever the command runs from
      namedContexts: named ? parseKeyValues(named, '--named-context') : { serve: defaultPath('serve') },
      offline: values.offline === true,
      hubTimeoutMs: hubTimeout * 1000,
    });
    const document = format === 'json' ? planJson(plan) : planMarkdown(plan);
    const output = values.output as string | undefined;
    if (output === undefined) streams.stdout.write(document);
    else await writeOutput(output, document);
    reporter.info(`plan, ${plan.verdict.level}: ${plan.verdict.headline}${output === undefined ? '' : `; written to ${output}`}`);
    return plan.verdict.ok ? ExitCode.ok : ExitCode.problemsFound;
  },
};

async function writeOutput(file: string, document: string): Promise<void> {
  try {
    await writeFile(file, document, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot write the plan to '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}
