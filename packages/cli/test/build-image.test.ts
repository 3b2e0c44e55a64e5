import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { FakeAws } from '../../core/test/image/fake-aws.js';
import { makeImageSource } from '../../core/test/image/fixtures.js';

let aws: FakeAws;

beforeAll(async () => {
  aws = await new FakeAws().start();
  Object.assign(process.env, aws.env());
  delete process.env.GITHUB_RUN_ID;
});
afterAll(() => aws.stop());
beforeEach(() => aws.resetToStandardAccount());

async function source() {
  const s = await makeImageSource();
  return ['--context', s.context, '--named-context', `serve=${s.serve}`];
}

describe('ray-gitops build-image', () => {
  test('--dry-run prints the content tag and the exact StartBuild request, and calls nothing', async () => {
    const args = await source();
    const { code, stdout, stderr } = await runCli('build-image', ...args, '--source-bucket', 'build-sources', '--revision', 'abc123', '--dry-run', '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { tag: string; startBuild: Record<string, unknown>; localBuild: string; hashedInputs: string[] };
    expect(doc.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(doc.startBuild).toMatchObject({
      projectName: 'ray-vllm-image',
      sourceTypeOverride: 'S3',
      sourceLocationOverride: `build-sources/ray-gitops/build-context/${doc.tag}.zip`,
      privilegedModeOverride: true,
      idempotencyToken: expect.any(String),
    });
    expect(doc.startBuild.environmentVariablesOverride).toContainEqual({ name: 'BUILD_ARG_OCI_REVISION', value: 'abc123', type: 'PLAINTEXT' });
    expect(doc.localBuild).toMatch(/^docker buildx build --build-context serve=\S+ --build-arg BASE_IMAGE=rayproject\/ray-llm:2\.52\.0-py311-cu128@sha256:/);
    expect(doc.hashedInputs[0]).toBe('ray-gitops content-tag v1');
    expect(stderr).toContain(`content tag ${doc.tag}`);
    expect(aws.calls).toEqual([]);
  });

  test('--dry-run prints a summary for a person unless --json is given', async () => {
    const args = await source();
    const { code, stdout } = await runCli('build-image', ...args, '--source-bucket', 'build-sources', '--dry-run');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^image     ray-vllm:ctx-[0-9a-f]{32} \(content tag of \d+ files, \d+ bytes\)$/);
    expect(stdout).toMatch(/^context   s3:\/\/build-sources\/ray-gitops\/build-context\/ctx-[0-9a-f]{32}\.zip$/m);
    expect(stdout).toMatch(/^locally   docker buildx build --build-context serve=/m);
    expect(stdout).toMatch(/^verdict   ✅ dry run of ctx-[0-9a-f]{32}: nothing built, no AWS call made$/m);
    expect(() => JSON.parse(stdout)).toThrow();
    expect(aws.calls).toEqual([]);
  });
  test('--dry-run of an image definition the real build refuses exits 0 and says so as a warning; the real build exits 1', async () => {
    const s = await makeImageSource({ 'docker/versions.json': JSON.stringify({ ray: '2.52.0', vllm: '0.11.0', baseImage: 'rayproject/ray-llm:2.52.0-py311-cu128' }) });
    const args = ['--context', s.context, '--named-context', `serve=${s.serve}`, '--source-bucket', 'build-sources'];
    const dry = await runCli('build-image', ...args, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/warning: ⚠️ dry run of ctx-[0-9a-f]{32}: nothing built, no AWS call made, with warnings: build-image will refuse to build until 1 image definition error\(s\) are fixed/);
    expect(dry.stderr).not.toContain('✅');
    const real = await runCli('build-image', ...args, '--poll-interval', '0.005');
    expect(real.code).toBe(1);
    expect(real.stderr).toContain('not pinned by digest');
    expect(aws.calls).toEqual([]);
  });

  test('--dry-run of the committed docker/ and serve/ prints a tag and exits 0; a rule the real build stops at is stated as a warning', async () => {
    const { code, stdout, stderr } = await runCli('build-image', '--dry-run', '--json');
    const doc = JSON.parse(stdout) as { tag: string; diagnostics: string[] };
    expect(doc.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(code).toBe(0);
    for (const line of doc.diagnostics) expect(stderr).toContain(line);
    const errors = doc.diagnostics.filter((d) => !d.includes(': warning: ')).length;
    if (errors > 0) expect(stderr).toContain(`warning: ⚠️ dry run of ${doc.tag}: nothing built, no AWS call made, with warnings: build-image will refuse to build until ${errors} image definition error(s) are fixed`);
    else expect(stderr).not.toContain('will refuse to build');
  });

  test('builds through CodeBuild and prints the digest reference; the next run skips', async () => {
    const args = await source();
    aws.nextBuildLife = { ticks: [{ phase: 'BUILD', lines: ['[Container] Entering phase BUILD', 'building'] }], outcome: 'SUCCEEDED' };
    const first = await runCli('build-image', ...args, '--source-bucket', 'build-sources', '--poll-interval', '0.005', '--json');
    expect(first.stderr).not.toContain('internal error');
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as { tag: string; skipped: boolean; buildId: string; imageRef: string };
    expect(result).toMatchObject({ skipped: false, buildId: expect.stringMatching(/^ray-vllm-image:/) });
    expect(result.imageRef).toMatch(/^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/ray-vllm:ctx-[0-9a-f]{32}@sha256:[0-9a-f]{64}$/);
    expect(first.stderr).toContain('== CodeBuild BUILD\n[Container] Entering phase BUILD\nbuilding\n');
    expect(first.stderr).toContain(`build id: ${result.buildId}`);

    aws.calls.length = 0;
    const second = await runCli('build-image', ...args, '--source-bucket', 'build-sources');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`${result.imageRef}\n`);
    expect(aws.operations()).toEqual(['DescribeImages']);
  });

  test('exits 1 with the failing phase when the build fails', async () => {
    const args = await source();
    aws.nextBuildLife = {
      ticks: [{ phase: 'BUILD', lines: ['[Container] Entering phase BUILD', 'ERROR: failed to solve'] }],
      outcome: 'FAILED',
      failure: { phase: 'BUILD', statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: docker buildx build. Reason: exit status 1' },
    };
    const { code, stdout, stderr } = await runCli('build-image', ...args, '--source-bucket', 'build-sources', '--poll-interval', '0.005');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/error: CodeBuild build ray-vllm-image:\S+ ended FAILED in phase BUILD: COMMAND_EXECUTION_ERROR: .*\nLast log lines:\n/);
    expect(stderr).toContain('ERROR: failed to solve');
  });

  test('rejects a malformed --build-arg as a usage error', async () => {
    const { code, stderr } = await runCli('build-image', '--build-arg', 'NO_EQUALS_SIGN', '--dry-run');
    expect(code).toBe(2);
    expect(stderr).toContain("--build-arg 'NO_EQUALS_SIGN' is not KEY=VALUE");
  });

  test('asks for a bucket only when a build is needed', async () => {
    const args = await source();
    const { code, stderr } = await runCli('build-image', ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/a build is needed for ctx-\w+, .* pass --source-bucket/);
    expect(aws.operations()).toEqual(['DescribeImages']);
  });
});
