import * as core from '@actions/core';
import {
  buildImage,
  createAwsImageServices,
  createWorkflowReporter,
  dryRunVerdict,
  failureAnnotation,
  formatCommand,
  ImageBuildCancelledError,
  ImageBuildFailedError,
  parseKeyValues,
  planImageBuild,
  reportDiagnostics,
  timingForPollInterval,
  UsageError,
  verdictLine,
  type BuildSnapshot,
  type ImageBuildPlan,
  type ImageBuildResult,
} from '@ray-gitops/core';
import { renderSummary } from './summary.js';

/**
 * Reads the inputs, plans the build, and either reuses the image for the content tag or builds it.
 * Outputs are set the moment they are known (tag after planning, build-id when StartBuild returns).
 * SIGINT/SIGTERM (a cancelled workflow) abort the run, and core stops the build before it returns.
 */
export async function run(): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    core.warning(`${signal} received (the workflow was cancelled): stopping the build`);
    controller.abort(new Error(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let plan: ImageBuildPlan | undefined;
  let build: BuildSnapshot | undefined;
  try {
    plan = await planImageBuild(readOptions());
    core.setOutput('tag', plan.tag);
    const reporter = createWorkflowReporter(core);

    if (flag('dry-run')) {
      reportDiagnostics(reporter, plan.diagnostics);
      reporter.info(`content tag ${plan.tag}; dry run: no AWS call made`);
      reporter.info(`StartBuild request:\n${JSON.stringify(plan.startBuild, null, 2)}`);
      reporter.info(`the same build locally: ${formatCommand(plan.localBuildCommand)}`);
      await core.summary.addRaw(renderSummary({ kind: 'dry-run', plan })).write();
      // a dry run builds nothing: image definition errors are the real build's blockers, stated as a warning
      const verdict = dryRunVerdict(plan);
      if (verdict.level === 'warnings') core.warning(verdictLine(verdict));
      return;
    }

    const pollSeconds = Number(core.getInput('poll-interval-seconds') || '3');
    if (!Number.isFinite(pollSeconds) || pollSeconds <= 0) throw new UsageError(`poll-interval-seconds must be a positive number, got '${core.getInput('poll-interval-seconds')}'.`);
    const region = core.getInput('aws-region') || undefined;
    const result: ImageBuildResult = await buildImage(plan, {
      services: await createAwsImageServices({ region }),
      reporter,
      signal: controller.signal,
      timing: timingForPollInterval(pollSeconds),
      ensure: flag('ensure') ? { serviceRole: core.getInput('codebuild-service-role') || undefined } : false,
      onBuildStarted: (started) => {
        build = started;
        core.setOutput('build-id', started.id);
      },
    });
    core.setOutput('image-uri', result.imageUri);
    core.setOutput('image-ref', result.imageRef);
    core.setOutput('digest', result.digest);
    core.setOutput('skipped', String(result.skipped));
    if (result.skipped) core.setOutput('build-id', '');
    await core.summary.addRaw(renderSummary({ kind: result.skipped ? 'reused' : 'built', plan, result, build })).write();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (plan) {
      const kind = error instanceof ImageBuildCancelledError ? 'cancelled' : 'failed';
      const detail = error instanceof ImageBuildFailedError ? failureAnnotation(error) : message;
      await core.summary.addRaw(renderSummary({ kind, plan, build, detail })).write();
    }
    core.setFailed(message);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A boolean input; empty (as when a caller omits it outside the runner) is false. */
function flag(name: string): boolean {
  return core.getInput(name) === '' ? false : core.getBooleanInput(name);
}

function readOptions(): Parameters<typeof planImageBuild>[0] {
  const env = process.env;
  return {
    contextDir: core.getInput('context') || 'docker',
    namedContexts: parseKeyValues(core.getMultilineInput('named-contexts'), 'named-contexts'),
    buildArgs: parseKeyValues(core.getMultilineInput('build-args'), 'build-args'),
    versionsFile: core.getInput('versions-file') || undefined,
    buildspecFile: core.getInput('buildspec') || undefined,
    repository: core.getInput('ecr-repository') || 'ray-vllm',
    registryId: core.getInput('registry-id') || undefined,
    project: core.getInput('codebuild-project') || 'ray-vllm-image',
    sourceBucket: core.getInput('source-bucket') || undefined,
    sourcePrefix: core.getInput('source-prefix') || undefined,
    provenance: {
      revision: env.GITHUB_SHA,
      source: env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}` : undefined,
    },
    env,
  };
}
