import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bundleAction, REPO_ROOT, runAsRunner, type RunnerResult } from '@ray-gitops/testkit/action-runner';
import { startRgw, type Rgw } from '@ray-gitops/testkit/ceph';
import { FakeAws } from '@ray-gitops/testkit/fake-aws';
import { git, gitopsRepo, type GitopsRepo } from '@ray-gitops/testkit/gitops-repo';
import { FakeHub } from '@ray-gitops/testkit/hf-server';
import { makeImageSource } from '@ray-gitops/testkit/image-fixtures';
import { generatedModel } from '@ray-gitops/testkit/model';

/**
 * The deploy workflow's job, step by step, as the runner runs it: the four bundled actions with
 * INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_EVENT_PATH, each taking the
 * previous step's outputs, against real Ceph S3, a Hugging Face-compatible Hub and local AWS servers.
 */

const ACTIONS = ['build-image', 'prestage-model', 'render-rgd', 'validate-manifests'] as const;
type Action = (typeof ACTIONS)[number];
const MODEL = 'tiny-llm';
const HUB_COMMIT = '7e'.repeat(20);
const UPSTREAM_CRDS = join(REPO_ROOT, '..', 'shared', 'crds');
const VERSIONS = join(REPO_ROOT, 'docker', 'versions.json');

let rgw: Rgw;
let aws: FakeAws;
let hub: FakeHub;
let repo: GitopsRepo;
let work: string;
let image: { context: string; serve: string };
const bundles = new Map<Action, string>();

beforeAll(async () => {
  let built: string[];
  [rgw, aws, built] = await Promise.all([startRgw('pipeline-e2e'), new FakeAws().start(), Promise.all(ACTIONS.map((action) => bundleAction(action)))]);
  ACTIONS.forEach((action, index) => bundles.set(action, built[index]!));
  // the build's source zip goes to the real S3, which the fake CodeBuild cannot look into
  aws.verifySource = false;
  aws.resetToStandardAccount();
  const s3 = rgwClient();
  await s3.send(new CreateBucketCommand({ Bucket: 'build-sources' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'models' }));
  hub = new FakeHub([generatedModel(`acme/${MODEL}`, [6], { commit: HUB_COMMIT })]);
  await hub.start();
  repo = await gitopsRepo('pipeline-e2e');
  work = await mkdtemp(join(tmpdir(), 'pipeline-e2e-runner-'));
  image = await makeImageSource();

  // the pull request that started it all, merged: one new catalog entry
  await writeFile(
    join(repo.catalog, `${MODEL}.yaml`),
    ['name: tiny-llm', 'source:', '  huggingface:', `    repo: acme/${MODEL}`, '    revision: main', 'serving:', '  maxModelLen: 4096', '  gpu: { type: L4, count: 1 }', ''].join('\n'),
  );
  git(repo.clone, 'add', '--all');
  git(repo.clone, 'commit', '--quiet', '-m', `add ${MODEL} to the catalog`);
  git(repo.clone, 'push', '--quiet', 'origin', 'main');
}, 600_000);

afterAll(async () => {
  await Promise.all([rgw?.stop(), aws?.stop(), hub?.stop(), repo?.remove(), work && rm(work, { recursive: true, force: true })]);
}, 120_000);

function rgwClient(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } });
}

/** The environment every step of the job sees: the push event, and the endpoints of the local servers. */
async function jobEnv(): Promise<Record<string, string>> {
  const sha = git(repo.clone, 'rev-parse', 'HEAD').trim();
  const eventPath = join(work, 'event.json');
  await writeFile(eventPath, JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { full_name: 'example-org/gitops' }, head_commit: { id: sha } }));
  return {
    ...aws.env(),
    AWS_ENDPOINT_URL_S3: rgw.endpoint,
    AWS_ACCESS_KEY_ID: rgw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
    HF_ENDPOINT: hub.endpoint,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: sha,
    GITHUB_REPOSITORY: 'example-org/gitops',
    GITHUB_RUN_ID: '7',
  };
}

async function step(action: Action, inputs: Record<string, string>, env: Record<string, string>): Promise<RunnerResult> {
  const result = await runAsRunner(bundles.get(action)!, { action, inputs, env, workspace: repo.clone });
  if (result.exitCode !== 0) throw new Error(`${action} failed (exit ${result.exitCode}):\n${result.stdout}`);
  return result;
}

/** build-image → prestage-model → render-rgd → validate-manifests → render-rgd with commit, as the deploy job wires them. */
async function deployJob() {
  const env = await jobEnv();
  const build = await step('build-image', { 'context': image.context, 'named-contexts': `serve=${image.serve}`, 'source-bucket': 'build-sources', 'poll-interval-seconds': '0.01' }, env);
  // RGW refuses INTELLIGENT_TIERING, the default storage class
  const prestage = await step('prestage-model', { 'model': MODEL, 'catalog': 'gitops/models', 'dest': 's3://models/llm', 'storage-class': '' }, env);
  const renderInputs = { image: build.outputs['image-ref']!, staged: prestage.outputs.staged!, versions: VERSIONS };
  const render = await step('render-rgd', renderInputs, env);
  const validate = await step('validate-manifests', { 'crds': `${UPSTREAM_CRDS}\ngitops/platform`, 'sarif-file': join(work, 'results.sarif') }, env);
  const commit = await step('render-rgd', { ...renderInputs, commit: 'true' }, env);
  return { build, prestage, render, validate, commit };
}

test('a catalog change runs the four actions into one commit on origin; a second run commits and uploads nothing', async () => {
  const before = git(repo.bare, 'rev-parse', 'main').trim();
  const first = await deployJob();

  expect(first.build.outputs.skipped).toBe('false');
  expect(first.build.outputs['image-ref']).toMatch(/^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/ray-vllm:ctx-[0-9a-f]{32}@sha256:[0-9a-f]{64}$/);
  expect(first.prestage.outputs['s3-uri']).toBe(`s3://models/llm/acme/${MODEL}/${HUB_COMMIT}/`);
  expect(Number(first.prestage.outputs['bytes-uploaded'])).toBeGreaterThan(6 * 1024 * 1024);
  expect(first.render.outputs.changed).toBe('true');
  expect(first.validate.outputs.errors).toBe('0');
  expect(first.commit.outputs.committed).toBe('true');

  // exactly one new commit on origin, by the bot, holding the new model's instance with its prefix and the image
  const after = git(repo.bare, 'rev-parse', 'main').trim();
  expect(after).toBe(first.commit.outputs.commit);
  expect(git(repo.bare, 'rev-list', '--count', `${before}..main`).trim()).toBe('1');
  expect(git(repo.bare, 'log', '-1', '--format=%an', 'main').trim()).toBe('github-actions[bot]');
  const instance = git(repo.bare, 'show', `main:gitops/workloads/${MODEL}/instance.yaml`);
  expect(instance).toContain(`s3://models/llm/acme/${MODEL}/${HUB_COMMIT}/`);
  expect(git(repo.bare, 'show', 'main:gitops/platform/llm-service.rgd.yaml')).toContain(first.build.outputs['image-ref']);
  expect(git(repo.bare, 'show', '--name-only', '--format=', 'main').split('\n').some((file) => file.startsWith('gitops/models/'))).toBe(false);
  expect(git(repo.clone, 'status', '--porcelain')).toBe('');
  // each step left a summary a person can read
  expect(first.prestage.summary).toContain('model-00001-of-00001.safetensors');
  expect(first.commit.summary).toContain('**Commit:**');
  expect(JSON.parse(await readFile(join(work, 'results.sarif'), 'utf8')).runs[0].results).toEqual([]);

  const second = await deployJob();
  expect(second.build.outputs.skipped).toBe('true');
  expect(second.build.outputs['image-ref']).toBe(first.build.outputs['image-ref']);
  expect(second.prestage.outputs['bytes-uploaded']).toBe('0');
  expect(second.render.outputs.changed).toBe('false');
  expect(second.commit.outputs).toMatchObject({ committed: 'false', commit: '' });
  expect(git(repo.bare, 'rev-parse', 'main').trim()).toBe(after);
  expect(aws.calls.filter((call) => call.operation === 'StartBuild')).toHaveLength(1);
  expect((await rgwClient().send(new ListMultipartUploadsCommand({ Bucket: 'models' }))).Uploads ?? []).toEqual([]);
}, 300_000);
