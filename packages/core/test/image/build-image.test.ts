import { captureReporter } from '@ray-gitops/testkit/capture-reporter';
import { AwsError, FakeAws } from '@ray-gitops/testkit/fake-aws';
import { codebuildLog, makeImageSource } from '@ray-gitops/testkit/image-fixtures';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  AwsCallError,
  buildImage,
  createAwsImageServices,
  DockerfileLintError,
  ImageBuildCancelledError,
  ImageBuildFailedError,
  LIFECYCLE_POLICY,
  MissingAwsResourceError,
  planImageBuild,
  RetryExhaustedError,
  zipContext,
  type ImageBuildOptions,
  type WatchTiming,
} from '../../src/index.js';

const TIMING: Partial<WatchTiming> = {
  pollIntervalMs: 2,
  maxPollIntervalMs: 10,
  logDrainMs: 0,
  retry: { baseMs: 1, capMs: 4, maxAttempts: 8 },
};

let aws: FakeAws;

beforeAll(async () => {
  aws = await new FakeAws().start();
  // the SDK reads the endpoint variables itself, as it would in a workflow
  Object.assign(process.env, aws.env());
});
afterAll(() => aws.stop());

beforeEach(() => aws.resetToStandardAccount());

async function plan(extra: Partial<ImageBuildOptions> = {}, files: Record<string, string> = {}) {
  const source = await makeImageSource(files);
  return planImageBuild({
    contextDir: source.context,
    namedContexts: { serve: source.serve },
    repository: 'ray-vllm',
    project: 'ray-vllm-image',
    sourceBucket: 'build-sources',
    provenance: { revision: '0123abc' },
    ...extra,
  });
}

const FULL_LIFE = {
  ticks: [
    { phase: 'QUEUED' },
    { phase: 'PROVISIONING' },
    { phase: 'DOWNLOAD_SOURCE', lines: ['[Container] 2025/01/01 00:00:00.000000 Running on CodeBuild On-demand', '[Container] 2025/01/01 00:00:00.000000 Phase is DOWNLOAD_SOURCE'] },
    { phase: 'PRE_BUILD', lines: codebuildLog('PRE_BUILD', 'Login Succeeded') },
    { phase: 'BUILD', lines: codebuildLog('BUILD', ...Array.from({ length: 11 }, (_, i) => `#${i + 1} step ${i + 1}/11`)) },
    { phase: 'BUILD', lines: ['pushing layers', 'ctx pushed'] },
    { phase: 'POST_BUILD', lines: codebuildLog('POST_BUILD', 'image: done') },
  ],
  outcome: 'SUCCEEDED' as const,
};

describe('build-image against CodeBuild, ECR, CloudWatch Logs and S3 (local servers, real SDK clients)', () => {
  test('skips the build when ECR has the tag: exactly one ECR call, nothing else', async () => {
    const p = await plan();
    const digest = aws.addImage('ray-vllm', p.tag);
    const { reporter } = captureReporter();
    const result = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING });

    expect(aws.calls.map((c) => `${c.service}:${c.operation}`)).toEqual(['ecr:DescribeImages']);
    expect(result).toMatchObject({
      skipped: true,
      buildId: undefined,
      tag: p.tag,
      digest,
      imageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/ray-vllm:${p.tag}`,
      imageRef: `123456789012.dkr.ecr.us-east-1.amazonaws.com/ray-vllm:${p.tag}@${digest}`,
    });
  });

  test('builds a missing tag: uploads the zip, starts with the planned request, streams every log line once, in order, by phase', async () => {
    aws.nextBuildLife = FULL_LIFE;
    const p = await plan();
    const { reporter, events } = captureReporter();
    let startedBeforeFirstPoll: boolean | undefined;
    const result = await buildImage(p, {
      services: await createAwsImageServices(),
      reporter,
      timing: TIMING,
      onBuildStarted: () => {
        startedBeforeFirstPoll = aws.count('BatchGetBuilds') === 0;
      },
    });

    expect(startedBeforeFirstPoll).toBe(true);
    const buildId = result.buildId!;
    expect(buildId).toMatch(/^ray-vllm-image:/);
    // the source the build read is the deterministic zip, under the tag
    expect(aws.objects.get(`build-sources/ray-gitops/build-context/${p.tag}.zip`)?.equals(await zipContext(p.context.files))).toBe(true);
    // StartBuild got exactly the planned request
    const start = aws.calls.find((c) => c.operation === 'StartBuild')!.input;
    expect(start).toEqual(JSON.parse(JSON.stringify(p.startBuild)));
    expect(start.environmentVariablesOverride).toEqual(
      expect.arrayContaining([
        { name: 'IMAGE_TAG', value: p.tag, type: 'PLAINTEXT' },
        { name: 'BUILD_ARG_VLLM_VERSION', value: '0.11.0', type: 'PLAINTEXT' },
        { name: 'BUILD_ARG_OCI_REVISION', value: '0123abc', type: 'PLAINTEXT' },
        { name: 'NAMED_CONTEXTS', value: 'serve=named/serve', type: 'PLAINTEXT' },
      ]),
    );

    // every line once, in order, although GetLogEvents hands out 3 events a page
    const logLines = events.filter((e) => e.type === 'info' && !e.text.startsWith('[build-image]') && e.group?.startsWith('CodeBuild ')).map((e) => e.text);
    expect(logLines).toEqual(aws.logLines(buildId));
    expect(logLines).toHaveLength(20);
    expect(aws.count('GetLogEvents')).toBeGreaterThan(20 / 3);
    // grouped by the phase markers of the log, each group opened once
    expect(events.filter((e) => e.type === 'group').map((e) => e.text)).toEqual([
      'CodeBuild QUEUED',
      'CodeBuild PROVISIONING',
      'CodeBuild DOWNLOAD_SOURCE',
      'CodeBuild PRE_BUILD',
      'CodeBuild BUILD',
      'CodeBuild POST_BUILD',
    ]);
    expect(events.find((e) => e.text === '#11 step 11/11')?.group).toBe('CodeBuild BUILD');
    expect(result).toMatchObject({ skipped: false, uploaded: true, digest: aws.images.get('ray-vllm')!.get(p.tag) });
    expect(result.imageRef).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/ray-vllm:${p.tag}@${result.digest}`);
    expect(aws.count('StopBuild')).toBe(0);

    // the next run finds the tag and skips
    aws.calls.length = 0;
    const again = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING });
    expect(again.skipped).toBe(true);
    expect(aws.operations()).toEqual(['DescribeImages']);
  });

  test('reports a failure in BUILD with its phase, CodeBuild context and the last log lines, and does not stop a finished build', async () => {
    aws.nextBuildLife = {
      ticks: [
        { phase: 'PRE_BUILD', lines: codebuildLog('PRE_BUILD', 'Login Succeeded') },
        { phase: 'BUILD', lines: codebuildLog('BUILD', '#7 [3/5] RUN pip install "vllm[runai]==0.11.0"', 'ERROR: No matching distribution found for vllm==0.11.0') },
      ],
      outcome: 'FAILED',
      failure: { phase: 'BUILD', statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: docker buildx build ... Reason: exit status 1' },
    };
    const p = await plan();
    const { reporter, events } = captureReporter();
    const failure = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ImageBuildFailedError);
    const error = failure as ImageBuildFailedError;
    expect(error.status).toBe('FAILED');
    expect(error.failedPhase).toEqual({
      phase: 'BUILD',
      status: 'FAILED',
      contexts: ['COMMAND_EXECUTION_ERROR: Error while executing command: docker buildx build ... Reason: exit status 1'],
    });
    expect(error.message).toMatch(/^CodeBuild build ray-vllm-image:\S+ ended FAILED in phase BUILD: COMMAND_EXECUTION_ERROR/);
    const annotations = events.filter((e) => e.type === 'error');
    expect(annotations).toHaveLength(1);
    expect(annotations[0]!.text).toContain('Last log lines:\n');
    expect(annotations[0]!.text).toContain('ERROR: No matching distribution found for vllm==0.11.0');
    expect(aws.count('StopBuild')).toBe(0);
  });

  test('stops the build exactly once when the run is cancelled, and says so', async () => {
    aws.nextBuildLife = { ticks: [{ phase: 'BUILD', lines: codebuildLog('BUILD', 'pulling the base image') }], outcome: 'never' };
    const p = await plan();
    const controller = new AbortController();
    let seen = 0;
    const { reporter, events } = captureReporter((text) => {
      if (text.startsWith('[Container] still working')) seen += 1;
      if (seen === 3) {
        // a second signal arriving while the first is handled must not stop the build twice
        controller.abort(new Error('SIGINT'));
        controller.abort(new Error('SIGTERM'));
      }
    });
    const outcome = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING, signal: controller.signal })
      .catch((e: unknown) => e);

    expect(outcome).toBeInstanceOf(ImageBuildCancelledError);
    expect((outcome as ImageBuildCancelledError).stopped).toBe(true);
    expect((outcome as Error).message).toMatch(/cancelled; CodeBuild build ray-vllm-image:\S+ was stopped/);
    expect(aws.count('StopBuild')).toBe(1);
    expect([...aws.builds.values()].at(-1)!.status).toBe('STOPPED');
    expect(events.some((e) => e.type === 'warning' && /stopped CodeBuild build .*: the run was cancelled/.test(e.text))).toBe(true);
  });

  test('completes through throttling bursts on every API, StartBuild keeping one idempotency token', async () => {
    aws.nextBuildLife = FULL_LIFE;
    const bursts = { DescribeImages: 2, PutObject: 2, HeadObject: 1, StartBuild: 3, BatchGetBuilds: 4, GetLogEvents: 5 };
    for (const [operation, times] of Object.entries(bursts)) aws.throttle.set(operation, times);
    const p = await plan();
    const { reporter, events } = captureReporter();
    const result = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING });

    expect(result.skipped).toBe(false);
    const starts = aws.calls.filter((c) => c.operation === 'StartBuild');
    expect(starts).toHaveLength(4);
    expect(new Set(starts.map((c) => JSON.stringify(c.input))).size).toBe(1);
    expect(aws.builds.size).toBe(1);
    expect(events.filter((e) => e.group?.startsWith('CodeBuild ') && !e.text.startsWith('[build-image]') && !/ThrottlingException|SlowDown/.test(e.text)).map((e) => e.text))
      .toEqual(aws.logLines(result.buildId!));
    expect(events.filter((e) => /: ThrottlingException \(throttling\); retry/.test(e.text)).length).toBe(2 + 3 + 4 + 5);
    // a HEAD answer has no body to name the error: its 503 status makes it a transient one
    expect(events.filter((e) => /^S3 /.test(e.text)).map((e) => e.text)).toEqual([
      expect.stringMatching(/^S3 HeadObject: Unknown \(transient\); retry 2\/8 in/),
      expect.stringMatching(/^S3 PutObject: SlowDown \(throttling\); retry 2\/8 in/),
      expect.stringMatching(/^S3 PutObject: SlowDown \(throttling\); retry 3\/8 in/),
    ]);
    expect(result.watch!.retries.throttled).toBe(4 + 5);
    expect(result.watch!.pollDelayMs).toBe(TIMING.pollIntervalMs);
  });

  test('stops the build when its status cannot be read any more, and keeps the error type', async () => {
    aws.nextBuildLife = { ticks: [{ phase: 'BUILD', lines: ['working'] }], outcome: 'never' };
    const p = await plan();
    aws.failures.set('BatchGetBuilds', new AwsError('AccessDeniedException', 'User is not authorized to perform: codebuild:BatchGetBuilds'));
    const { reporter } = captureReporter();
    const error = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).errorName).toBe('AccessDeniedException');
    expect((error as Error).message).toMatch(/CodeBuild BatchGetBuilds failed: AccessDeniedException: .*permission.* was stopped so it does not run unattended/);
    expect(aws.count('StopBuild')).toBe(1);

    aws.failures.clear();
    aws.throttle.set('BatchGetBuilds', 1_000);
    const fewAttempts = { ...TIMING, retry: { baseMs: 1, capMs: 2, maxAttempts: 3 } };
    const exhausted = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: fewAttempts })
      .catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(RetryExhaustedError);
    expect((exhausted as Error).message).toMatch(/after 3 attempts .* was stopped/);
    expect(aws.count('StopBuild')).toBe(2);
  });

  test('follows the build status alone when the log cannot be read', async () => {
    aws.nextBuildLife = FULL_LIFE;
    aws.failures.set('GetLogEvents', new AwsError('AccessDeniedException', 'not authorized to perform: logs:GetLogEvents'));
    const { reporter, events } = captureReporter();
    const result = await buildImage(await plan(), { services: await createAwsImageServices(), reporter, timing: TIMING });
    expect(result.skipped).toBe(false);
    expect(aws.count('GetLogEvents')).toBe(1);
    expect(events.some((e) => e.text.includes('cannot read the build log any more'))).toBe(true);
  });

  test('does not upload a context that is already in S3 under its tag', async () => {
    const p = await plan();
    aws.objects.set(`build-sources/${p.source.key}`, await zipContext(p.context.files));
    const { reporter } = captureReporter();
    const result = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING });
    expect(result.uploaded).toBe(false);
    expect(aws.count('PutObject')).toBe(0);
  });

  test('refuses to build a Dockerfile that breaks a rule, before any AWS call', async () => {
    const p = await plan({}, { 'docker/Dockerfile': 'FROM rayproject/ray-llm:latest\nUSER ray\n' });
    const { reporter, events } = captureReporter();
    const error = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerfileLintError);
    expect(aws.calls).toEqual([]);
    expect(events.filter((e) => e.type === 'error').map((e) => e.text)).toEqual([
      expect.stringMatching(/^base image rayproject\/ray-llm:latest uses the moving 'latest' tag/),
      expect.stringMatching(/^base image rayproject\/ray-llm:latest is not pinned by digest/),
    ]);
  });

  test('names a missing ECR repository and calls nothing else without ensure', async () => {
    aws.repositories.clear();
    aws.images.clear();
    const { reporter } = captureReporter();
    const error = await buildImage(await plan(), { services: await createAwsImageServices(), reporter, timing: TIMING }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingAwsResourceError);
    expect((error as Error).message).toMatch(/ECR repository ray-vllm does not exist; .*--ensure/);
    expect(aws.operations()).toEqual(['DescribeImages']);
  });
});

describe('ensure mode', () => {
  test('creates the repository (immutable, scan on push, lifecycle) and the project once, then leaves them alone', async () => {
    aws.repositories.clear();
    aws.images.clear();
    aws.projects.clear();
    const { reporter } = captureReporter();
    const ensure = { serviceRole: 'arn:aws:iam::123456789012:role/ray-vllm-codebuild' };
    const p = await plan();
    const first = await buildImage(p, { services: await createAwsImageServices(), reporter, timing: TIMING, ensure });
    expect(first.skipped).toBe(false);
    expect(aws.repositories.get('ray-vllm')).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(JSON.parse(aws.lifecyclePolicies.get('ray-vllm')!)).toEqual(LIFECYCLE_POLICY);
    expect(aws.projects.get('ray-vllm-image')).toMatchObject({
      serviceRole: ensure.serviceRole,
      source: { type: 'NO_SOURCE', buildspec: p.buildspec },
      environment: { privilegedMode: true, image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_LARGE' },
      logsConfig: { cloudWatchLogs: { status: 'ENABLED' } },
    });

    // a new tag, everything in place: ensure only looks
    aws.calls.length = 0;
    await buildImage(await plan({ buildArgs: { VLLM_VERSION: '0.11.1' } }), { services: await createAwsImageServices(), reporter, timing: TIMING, ensure });
    expect(aws.count('CreateRepository') + aws.count('CreateProject') + aws.count('PutLifecyclePolicy')).toBe(0);
    expect(aws.count('DescribeRepositories')).toBe(1);
    expect(aws.count('BatchGetProjects')).toBe(1);
  });

  test('asks for a service role when the project must be created', async () => {
    aws.projects.clear();
    const { reporter } = captureReporter();
    const error = await buildImage(await plan(), { services: await createAwsImageServices(), reporter, timing: TIMING, ensure: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingAwsResourceError);
    expect((error as Error).message).toMatch(/--codebuild-service-role/);
    expect(aws.count('StartBuild')).toBe(0);
  });
});
