import { setTimeout as sleep } from 'node:timers/promises';
import { bundleAction, startAsRunner } from '@ray-gitops/testkit/action-runner';
import { FakeAws } from '@ray-gitops/testkit/fake-aws';
import { makeImageSource } from '@ray-gitops/testkit/image-fixtures';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';

let aws: FakeAws;
let bundle: string;
let inputs: Record<string, string>;

beforeAll(async () => {
  [aws, bundle] = await Promise.all([new FakeAws().start(), bundleAction('build-image')]);
});
afterAll(() => aws.stop());

beforeEach(async () => {
  aws.resetToStandardAccount();
  const source = await makeImageSource();
  inputs = {
    'context': source.context,
    'named-contexts': `serve=${source.serve}`,
    'source-bucket': 'build-sources',
    'poll-interval-seconds': '0.01',
  };
});

describe('build-image bundle run as the Actions runner would, against the local AWS servers', () => {
  test('builds, sets every output, and writes a job summary', async () => {
    aws.nextBuildLife = {
      ticks: [
        { phase: 'PRE_BUILD', lines: ['[Container] 2025/01/01 Entering phase PRE_BUILD', 'Login Succeeded'] },
        { phase: 'BUILD', lines: ['[Container] 2025/01/01 Entering phase BUILD', '#1 building', '#2 pushing'] },
      ],
      outcome: 'SUCCEEDED',
    };
    const run = await startAsRunner(bundle, { action: 'build-image', inputs, env: { ...aws.env(), GITHUB_SHA: 'f00dfeed', GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '42' } });
    const result = await run.done;

    expect(result.exitCode).toBe(0);
    const { tag, ...rest } = result.outputs;
    expect(tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    const digest = aws.images.get('ray-vllm')!.get(tag!)!;
    expect(rest).toEqual({
      'build-id': expect.stringMatching(/^ray-vllm-image:/),
      'image-uri': `123456789012.dkr.ecr.us-east-1.amazonaws.com/ray-vllm:${tag}`,
      'image-ref': `123456789012.dkr.ecr.us-east-1.amazonaws.com/ray-vllm:${tag}@${digest}`,
      'digest': digest,
      'skipped': 'false',
    });
    // the log, grouped by phase in the runner's group commands
    expect(result.stdout).toMatch(/::group::CodeBuild BUILD\n\[Container\] 2025\/01\/01 Entering phase BUILD\n#1 building\n#2 pushing\n/);
    expect(result.summary).toContain('## build-image: built');
    expect(result.summary).toContain(`| Image | \`123456789012.dkr.ecr.us-east-1.amazonaws.com/ray-vllm:${tag}@${digest}\` |`);
    // provenance reaches the build, not the tag
    const start = aws.calls.find((c) => c.operation === 'StartBuild')!.input as { environmentVariablesOverride: { name: string; value: string }[] };
    expect(start.environmentVariablesOverride).toContainEqual({ name: 'BUILD_ARG_OCI_REVISION', value: 'f00dfeed', type: 'PLAINTEXT' });

    // run again: the tag is there, one ECR call, skipped
    aws.calls.length = 0;
    const again = await (await startAsRunner(bundle, { action: 'build-image', inputs, env: { ...aws.env(), GITHUB_SHA: 'beefcafe' } })).done;
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ 'tag': tag, 'skipped': 'true', 'build-id': '', 'image-ref': rest['image-ref'] });
    expect(aws.operations()).toEqual(['DescribeImages']);
    expect(again.summary).toContain('## build-image: image already in ECR, no build');
  });

  test('sets build-id while the build runs, and on SIGTERM stops it exactly once and fails the step', async () => {
    aws.nextBuildLife = { ticks: [{ phase: 'BUILD', lines: ['[Container] Entering phase BUILD', 'pulling the base image'] }], outcome: 'never' };
    const run = await startAsRunner(bundle, { action: 'build-image', inputs, env: aws.env() });
    let buildId: string | undefined;
    for (let i = 0; i < 500 && !buildId; i++) {
      buildId = (await run.outputs())['build-id'];
      if (!buildId) await sleep(10);
    }
    expect(buildId).toMatch(/^ray-vllm-image:/);
    // let it poll a little, then cancel as the runner does
    while (aws.count('GetLogEvents') < 3) await sleep(10);
    run.child.kill('SIGTERM');
    const result = await run.done;

    expect(result.exitCode).toBe(1);
    expect(aws.count('StopBuild')).toBe(1);
    expect(aws.builds.get(buildId!)!.status).toBe('STOPPED');
    expect(result.stdout).toContain('::warning::SIGTERM received (the workflow was cancelled): stopping the build');
    expect(result.stdout).toMatch(/::warning::stopped CodeBuild build ray-vllm-image:\S+: the run was cancelled\./);
    expect(result.stdout).toMatch(/::error::build-image was cancelled; CodeBuild build ray-vllm-image:\S+ was stopped\./);
    expect(result.summary).toContain('## build-image: cancelled');
  });

  test('annotates a failed build with its phase and last log lines', async () => {
    aws.nextBuildLife = {
      ticks: [{ phase: 'BUILD', lines: ['[Container] Entering phase BUILD', 'ERROR: failed to solve: process "/bin/sh -c pip install" did not complete successfully'] }],
      outcome: 'FAILED',
      failure: { phase: 'BUILD', statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: docker buildx build. Reason: exit status 1' },
    };
    const result = await (await startAsRunner(bundle, { action: 'build-image', inputs, env: aws.env() })).done;
    expect(result.exitCode).toBe(1);
    expect(result.outputs['build-id']).toMatch(/^ray-vllm-image:/);
    expect(result.outputs['image-ref']).toBeUndefined();
    // one multi-line annotation (newlines escaped as %0A by the workflow command)
    expect(result.stdout).toMatch(/::error::CodeBuild build \S+ ended FAILED in phase BUILD: COMMAND_EXECUTION_ERROR: .*%0ALast log lines:%0A.*ERROR: failed to solve/);
    expect(result.summary).toContain('## build-image: failed');
    expect(aws.count('StopBuild')).toBe(0);
  });

  test('dry-run sets the tag and prints the StartBuild request without calling AWS', async () => {
    const result = await (await startAsRunner(bundle, { action: 'build-image', inputs: { ...inputs, 'dry-run': 'true' }, env: aws.env() })).done;
    expect(result.exitCode).toBe(0);
    expect(result.outputs.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(result.stdout).toContain('"sourceTypeOverride": "S3"');
    expect(aws.calls).toEqual([]);
  });
});
