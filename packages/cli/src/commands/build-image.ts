import {
  dryRunVerdict,
  verdictLine,
  buildImage,
  createAwsImageServices,
  formatCommand,
  formatDiagnostic,
  parseKeyValues,
  planImageBuild,
  timingForPollInterval,
  UsageError,
  type ImageBuildPlan,
} from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';
import { defaultPath } from '../repository.js';

const DEFAULT_NAMED_CONTEXT = 'serve=serve';

export const buildImageCommand: CommandDefinition = {
  path: ['build-image'],
  summary: 'Build the Ray+vLLM image with CodeBuild into ECR, only when its content tag is missing.',
  synopsis:
    '[--context DIR] [--named-context NAME=DIR]… [--build-arg KEY=VALUE]… [--ecr-repository NAME] [--codebuild-project NAME] ' +
    '[--source-bucket NAME] [--ensure [--codebuild-service-role ARN]] [--dry-run] [--json]',
  options: {
    'context': { type: 'string', value: 'DIR', default: 'docker', description: 'build context: Dockerfile, versions.json, buildspec.yml' },
    'named-context': {
      type: 'string',
      multiple: true,
      value: 'NAME=DIR',
      description: `extra BuildKit build context, as --build-context NAME=DIR (default: ${DEFAULT_NAMED_CONTEXT})`,
    },
    'build-arg': { type: 'string', multiple: true, value: 'KEY=VALUE', description: 'Docker build argument; wins over versions.json; part of the content tag' },
    'versions': { type: 'string', value: 'FILE', description: 'versions file the build arguments come from (default: <context>/versions.json)' },
    'buildspec': { type: 'string', value: 'FILE', description: 'buildspec CodeBuild runs (default: <context>/buildspec.yml)' },
    'ecr-repository': { type: 'string', value: 'NAME', default: 'ray-vllm', description: 'ECR repository' },
    'registry-id': { type: 'string', value: 'ACCOUNT', description: 'account of the ECR registry, when not the caller\'s' },
    'codebuild-project': { type: 'string', value: 'NAME', default: 'ray-vllm-image', description: 'CodeBuild project that builds and pushes the image' },
    'source-bucket': { type: 'string', value: 'NAME', description: 'S3 bucket for the zipped build context (needed when a build runs)' },
    'source-prefix': { type: 'string', value: 'PREFIX', default: 'ray-gitops/build-context', description: 'key prefix of the zipped context' },
    'region': { type: 'string', value: 'REGION', description: 'AWS region (default: AWS_REGION)' },
    'revision': { type: 'string', value: 'SHA', description: 'source revision for the OCI label (default: GITHUB_SHA); not part of the tag' },
    'source-url': { type: 'string', value: 'URL', description: 'source repository URL for the OCI label; not part of the tag' },
    'ensure': { type: 'boolean', description: 'create the ECR repository and CodeBuild project when missing' },
    'codebuild-service-role': { type: 'string', value: 'ARN', description: 'role for a CodeBuild project that --ensure creates' },
    'poll-interval': { type: 'string', value: 'SECONDS', default: '3', description: 'seconds between build status polls' },
    'dry-run': { type: 'boolean', description: 'print the content tag and what a build would do, without calling AWS (with --json: the exact StartBuild request)' },
    'json': { type: 'boolean', description: 'print the result as JSON on stdout' },
  },
  async run({ values, streams, reporter }) {
    const env = process.env;
    // the default serve/ is the repository's, wherever the command runs from
    const fallback = `serve=${defaultPath('serve')}`;
    const namedContexts = parseKeyValues(strings(values['named-context'], [fallback]), '--named-context');
    const plan = await planImageBuild({
      contextDir: values.context as string,
      namedContexts,
      buildArgs: parseKeyValues(strings(values['build-arg'], []), '--build-arg'),
      versionsFile: values.versions as string | undefined,
      buildspecFile: values.buildspec as string | undefined,
      repository: values['ecr-repository'] as string,
      registryId: values['registry-id'] as string | undefined,
      project: values['codebuild-project'] as string,
      sourceBucket: values['source-bucket'] as string | undefined,
      sourcePrefix: values['source-prefix'] as string,
      provenance: {
        revision: (values.revision as string | undefined) ?? env.GITHUB_SHA,
        source: (values['source-url'] as string | undefined) ?? githubRepositoryUrl(env),
      },
      env,
    });

    if (values['dry-run']) {
      for (const diagnostic of plan.diagnostics) reporter.info(formatDiagnostic(diagnostic));
      reporter.info(`content tag ${plan.tag} (${plan.context.files.length} files, ${plan.context.totalBytes} bytes); dry run: no AWS call made`);
      streams.stdout.write(values.json ? `${JSON.stringify(dryRunDocument(plan), null, 2)}\n` : dryRunSummary(plan));
      // a dry run builds nothing: image definition errors are the real build's blockers, stated as a warning (exit 0)
      const verdict = dryRunVerdict(plan);
      if (verdict.level === 'warnings') reporter.warning(verdictLine(verdict));
      return ExitCode.ok;
    }

    const pollSeconds = Number(values['poll-interval']);
    if (!Number.isFinite(pollSeconds) || pollSeconds <= 0) throw new UsageError(`--poll-interval must be a positive number of seconds, got '${String(values['poll-interval'])}'.`);
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      reporter.warning(`received ${signal}: stopping the build`);
      controller.abort(new Error(signal));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const result = await buildImage(plan, {
        services: await createAwsImageServices({ region: values.region as string | undefined }),
        reporter,
        signal: controller.signal,
        timing: timingForPollInterval(pollSeconds),
        ensure: values.ensure ? { serviceRole: values['codebuild-service-role'] as string | undefined } : false,
        onBuildStarted: (build) => reporter.info(`build id: ${build.id}`),
      });
      const { watch: _watch, ...document } = result;
      streams.stdout.write(values.json ? `${JSON.stringify(document, null, 2)}\n` : `${result.imageRef}\n`);
      return ExitCode.ok;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

/** What `--dry-run` prints: the tag, the exact StartBuild request, and how to build the same locally. */
export function dryRunDocument(plan: ImageBuildPlan): Record<string, unknown> {
  return {
    tag: plan.tag,
    image: `${plan.repository}:${plan.tag}`,
    contentSha256: plan.contentSha256,
    buildArgs: plan.buildArgs,
    provenanceArgs: plan.provenanceArgs,
    source: { bucket: plan.source.bucket ?? null, key: plan.source.key },
    startBuild: plan.startBuild,
    localBuild: formatCommand(plan.localBuildCommand),
    diagnostics: plan.diagnostics.map((d) => formatDiagnostic(d)),
    hashedInputs: plan.manifest.trimEnd().split('\n'),
  };
}

/** What `--dry-run` prints for a person: the image it would build, from what, and what stands in the way. */
export function dryRunSummary(plan: ImageBuildPlan): string {
  const args = Object.entries(plan.buildArgs).map(([key, value]) => `${key}=${value}`);
  const rows: [string, string][] = [
    ['image', `${plan.repository}:${plan.tag} (content tag of ${plan.context.files.length} files, ${plan.context.totalBytes} bytes)`],
    ['build', `CodeBuild project ${plan.startBuild.projectName}, only when ECR has no image with that tag`],
    ['context', plan.source.bucket ? `s3://${plan.source.bucket}/${plan.source.key}` : `${plan.source.key} in the --source-bucket (needed when a build runs)`],
    ['args', args.join(' ')],
    ['locally', formatCommand(plan.localBuildCommand)],
    ['verdict', verdictLine(dryRunVerdict(plan))],
  ];
  return `${rows.map(([label, text]) => `${label.padEnd(9)} ${text}`).join('\n')}\n--json prints the exact StartBuild request; no AWS call was made.\n`;
}

function strings(value: unknown, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  return (Array.isArray(value) ? value : [value]).map(String);
}

function githubRepositoryUrl(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}` : undefined;
}
