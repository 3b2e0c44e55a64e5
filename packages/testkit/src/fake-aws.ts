import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for CodeBuild, ECR, CloudWatch Logs (AWS JSON 1.1: POST /, X-Amz-Target, errors as
 * {"__type", "message"}) and S3 (REST: PUT/HEAD object), one HTTP server each, sharing one state so a
 * scripted build can read the uploaded source and push an image. Tests drive them through the real
 * SDK clients via AWS_ENDPOINT_URL_CODEBUILD / _ECR / _CLOUDWATCH_LOGS / _S3.
 */

export interface Tick {
  /** the build's currentPhase from this poll on */
  readonly phase: string;
  /** log lines appended to the stream at this poll */
  readonly lines?: readonly string[];
}

export interface BuildLife {
  /** one tick per BatchGetBuilds call */
  readonly ticks: readonly Tick[];
  /** after the last tick: the build ends so, or (`never`) stays IN_PROGRESS until StopBuild */
  readonly outcome: 'SUCCEEDED' | 'FAILED' | 'never';
  /** for FAILED: the phase that failed and CodeBuild's context for it */
  readonly failure?: { readonly phase: string; readonly statusCode: string; readonly message: string };
}

export interface AwsCall {
  readonly service: 'codebuild' | 'ecr' | 'logs' | 's3';
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly throttled: boolean;
}

interface FakeBuild {
  id: string;
  token: string;
  request: Record<string, unknown>;
  life: BuildLife;
  tick: number;
  status: string;
  phase: string;
  completedPhases: { type: string; status: string; contexts?: { statusCode: string; message: string }[] }[];
  events: { timestamp: number; message: string }[];
  streamCreated: boolean;
}

const PHASE_ORDER = ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING'];

export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class FakeAws {
  readonly calls: AwsCall[] = [];
  /** ECR: repository → tag → digest */
  readonly images = new Map<string, Map<string, string>>();
  readonly repositories = new Map<string, Record<string, unknown>>();
  readonly lifecyclePolicies = new Map<string, string>();
  readonly projects = new Map<string, Record<string, unknown>>();
  /** S3: `bucket/key` → body */
  readonly objects = new Map<string, Buffer>();
  readonly buckets = new Set<string>();
  readonly builds = new Map<string, FakeBuild>();
  /** the life the next started build lives */
  nextBuildLife: BuildLife = { ticks: [{ phase: 'BUILD', lines: ['built'] }], outcome: 'SUCCEEDED' };
  /** whether a build fails in DOWNLOAD_SOURCE when its zip is not in this fake's S3 (off when S3 is a real one) */
  verifySource = true;
  /** how many events one GetLogEvents page holds, to force pagination */
  logPageSize = 3;
  /** operation → how many of its next calls answer ThrottlingException */
  readonly throttle = new Map<string, number>();
  /** operation → an error every call of it answers with */
  readonly failures = new Map<string, AwsError>();

  private readonly servers: Server[] = [];
  private endpoints: Record<'codebuild' | 'ecr' | 'logs' | 's3', string> | undefined;
  private buildCounter = 0;
  private readonly exported = new Map<string, Record<string, string>>();

  async start(): Promise<this> {
    const [codebuild, ecr, logs, s3] = await Promise.all([
      this.listen(jsonService('codebuild', 'CodeBuild_20161006', this)),
      this.listen(jsonService('ecr', 'AmazonEC2ContainerRegistry_V20150921', this)),
      this.listen(jsonService('logs', 'Logs_20140328', this)),
      this.listen((req, res) => this.s3(req, res)),
    ]);
    this.endpoints = { codebuild: codebuild!, ecr: ecr!, logs: logs!, s3: s3! };
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((resolve) => {
      s.closeAllConnections();
      s.close(resolve);
    })));
  }

  /** the environment a process needs to talk to these servers through the SDK */
  env(): Record<string, string> {
    if (!this.endpoints) throw new Error('start() first');
    return {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDFAKEFORTESTS',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
      AWS_ENDPOINT_URL_CODEBUILD: this.endpoints.codebuild,
      AWS_ENDPOINT_URL_ECR: this.endpoints.ecr,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: this.endpoints.logs,
      AWS_ENDPOINT_URL_S3: this.endpoints.s3,
      // the credential chain must not wander off to instance metadata or a developer's profile
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
  }

  count(operation: string): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  operations(service?: AwsCall['service']): string[] {
    return this.calls.filter((c) => !service || c.service === service).map((c) => c.operation);
  }

  /**
   * Forgets every call, build, image and injected fault, and sets up the account most tests use: the
   * `build-sources` bucket, the `ray-vllm` repository and the `ray-vllm-image` project.
   */
  resetToStandardAccount(): void {
    this.calls.length = 0;
    for (const state of [this.images, this.repositories, this.projects, this.objects, this.throttle, this.failures, this.builds]) state.clear();
    this.buckets.add('build-sources');
    this.addRepository('ray-vllm');
    this.projects.set('ray-vllm-image', {});
  }

  addRepository(name: string): void {
    if (!this.repositories.has(name)) this.repositories.set(name, { repositoryName: name, imageTagMutability: 'IMMUTABLE' });
    this.images.set(name, this.images.get(name) ?? new Map());
  }

  addImage(repository: string, tag: string, digest = digestOf(`${repository}:${tag}`)): string {
    this.addRepository(repository);
    this.images.get(repository)!.set(tag, digest);
    return digest;
  }

  /** the log lines of a build, as the stream holds them */
  logLines(buildId: string): string[] {
    return (this.builds.get(buildId)?.events ?? []).map((e) => e.message.replace(/\n$/, ''));
  }

  // --- dispatch -------------------------------------------------------------------------------

  handle(service: AwsCall['service'], operation: string, input: Record<string, unknown>): unknown {
    const throttles = this.throttle.get(operation) ?? 0;
    this.calls.push({ service, operation, input, throttled: throttles > 0 });
    if (throttles > 0) {
      this.throttle.set(operation, throttles - 1);
      throw new AwsError('ThrottlingException', 'Rate exceeded');
    }
    const failure = this.failures.get(operation);
    if (failure) throw failure;
    const handler = (this as unknown as Record<string, ((input: Record<string, unknown>) => unknown) | undefined>)[`${service}_${operation}`];
    if (!handler) throw new AwsError('UnknownOperationException', `${service} ${operation} is not implemented by the fake`);
    return handler.call(this, input);
  }

  // --- ECR ------------------------------------------------------------------------------------

  protected ecr_DescribeImages(input: Record<string, unknown>): unknown {
    const repo = String(input.repositoryName);
    const images = this.images.get(repo);
    if (!images || !this.repositories.has(repo)) throw new AwsError('RepositoryNotFoundException', `The repository with name '${repo}' does not exist in the registry with id '123456789012'`);
    const ids = (input.imageIds as { imageTag?: string }[] | undefined) ?? [];
    const details = [];
    for (const id of ids) {
      const digest = id.imageTag ? images.get(id.imageTag) : undefined;
      if (!digest) throw new AwsError('ImageNotFoundException', `The image with imageId {imageTag:'${id.imageTag}'} does not exist within the repository with name '${repo}'`);
      details.push({ registryId: '123456789012', repositoryName: repo, imageDigest: digest, imageTags: [id.imageTag], imagePushedAt: 1_700_000_000 });
    }
    return { imageDetails: details };
  }

  protected ecr_DescribeRepositories(input: Record<string, unknown>): unknown {
    const names = (input.repositoryNames as string[] | undefined) ?? [];
    const repos = names.map((name) => {
      const repo = this.repositories.get(name);
      if (!repo) throw new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist`);
      return {
        repositoryName: name,
        registryId: '123456789012',
        repositoryArn: `arn:aws:ecr:us-east-1:123456789012:repository/${name}`,
        repositoryUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`,
        imageTagMutability: repo.imageTagMutability,
      };
    });
    return { repositories: repos };
  }

  protected ecr_CreateRepository(input: Record<string, unknown>): unknown {
    const name = String(input.repositoryName);
    if (this.repositories.has(name)) throw new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists`);
    this.repositories.set(name, input);
    this.images.set(name, new Map());
    return { repository: { repositoryName: name, registryId: '123456789012', repositoryUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}` } };
  }

  protected ecr_PutLifecyclePolicy(input: Record<string, unknown>): unknown {
    const name = String(input.repositoryName);
    if (!this.repositories.has(name)) throw new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist`);
    this.lifecyclePolicies.set(name, String(input.lifecyclePolicyText));
    return { registryId: '123456789012', repositoryName: name, lifecyclePolicyText: input.lifecyclePolicyText };
  }

  // --- CodeBuild ------------------------------------------------------------------------------

  protected codebuild_BatchGetProjects(input: Record<string, unknown>): unknown {
    const names = (input.names as string[]) ?? [];
    return {
      projects: names.filter((n) => this.projects.has(n)).map((n) => ({ name: n, arn: `arn:aws:codebuild:us-east-1:123456789012:project/${n}` })),
      projectsNotFound: names.filter((n) => !this.projects.has(n)),
    };
  }

  protected codebuild_CreateProject(input: Record<string, unknown>): unknown {
    const name = String(input.name);
    if (this.projects.has(name)) throw new AwsError('ResourceAlreadyExistsException', `Project already exists: ${name}`);
    this.projects.set(name, input);
    return { project: { name, arn: `arn:aws:codebuild:us-east-1:123456789012:project/${name}` } };
  }

  protected codebuild_StartBuild(input: Record<string, unknown>): unknown {
    const project = String(input.projectName);
    if (!this.projects.has(project)) throw new AwsError('ResourceNotFoundException', `Project cannot be found: arn:aws:codebuild:us-east-1:123456789012:project/${project}`);
    const token = String(input.idempotencyToken ?? '');
    const existing = [...this.builds.values()].find((b) => token && b.token === token);
    if (existing) {
      if (JSON.stringify(existing.request) !== JSON.stringify(input)) {
        throw new AwsError('InvalidInputException', 'idempotency token reused with different parameters');
      }
      return { build: this.describe(existing) };
    }
    this.buildCounter += 1;
    const id = `${project}:${String(this.buildCounter).padStart(8, '0')}-0000-4000-8000-${'0'.repeat(12)}`;
    const build: FakeBuild = {
      id,
      token,
      request: input,
      life: this.nextBuildLife,
      tick: 0,
      status: 'IN_PROGRESS',
      phase: 'SUBMITTED',
      completedPhases: [],
      events: [],
      streamCreated: false,
    };
    this.builds.set(id, build);
    return { build: this.describe(build) };
  }

  protected codebuild_BatchGetBuilds(input: Record<string, unknown>): unknown {
    const ids = (input.ids as string[]) ?? [];
    const builds = [];
    for (const id of ids) {
      const build = this.builds.get(id);
      if (!build) continue;
      this.advance(build);
      builds.push(this.describe(build));
    }
    return { builds, buildsNotFound: ids.filter((id) => !this.builds.has(id)) };
  }

  protected codebuild_StopBuild(input: Record<string, unknown>): unknown {
    const build = this.builds.get(String(input.id));
    if (!build) throw new AwsError('ResourceNotFoundException', `Build ${String(input.id)} not found`);
    if (build.status === 'IN_PROGRESS') {
      build.completedPhases.push({ type: build.phase, status: 'STOPPED' });
      build.status = 'STOPPED';
      build.phase = 'COMPLETED';
    }
    return { build: this.describe(build) };
  }

  private advance(build: FakeBuild): void {
    if (build.status !== 'IN_PROGRESS') return;
    const tick = build.life.ticks[build.tick];
    if (tick) {
      build.tick += 1;
      this.enterPhase(build, tick.phase);
      this.appendLines(build, tick.lines ?? []);
      return;
    }
    if (build.life.outcome === 'never') {
      this.appendLines(build, [`[Container] still working in ${build.phase}`]);
      return;
    }
    const source = String(build.request.sourceLocationOverride ?? '');
    if (this.verifySource && !this.objects.has(source)) {
      this.finish(build, 'FAILED', { phase: 'DOWNLOAD_SOURCE', statusCode: 'CLIENT_ERROR', message: `NoSuchKey: ${source}` });
      return;
    }
    if (build.life.outcome === 'FAILED') {
      this.finish(build, 'FAILED', build.life.failure);
      return;
    }
    const variables = (build.request.environmentVariablesOverride as { name: string; value: string }[]) ?? [];
    const env = Object.fromEntries(variables.map((v) => [v.name, v.value]));
    const digest = this.addImage(env.IMAGE_REPO_NAME!, env.IMAGE_TAG!);
    this.finish(build, 'SUCCEEDED', undefined, { IMAGE_DIGEST: digest });
  }

  private finish(build: FakeBuild, status: string, failure?: BuildLife['failure'], exported?: Record<string, string>): void {
    if (failure) {
      this.enterPhase(build, failure.phase);
      build.completedPhases.push({ type: failure.phase, status: 'FAILED', contexts: [{ statusCode: failure.statusCode, message: failure.message }] });
      this.appendLines(build, [`[Container] Phase complete: ${failure.phase} State: FAILED`, `[Container] Phase context status code: ${failure.statusCode} Message: ${failure.message}`]);
    } else {
      build.completedPhases.push({ type: build.phase, status: 'SUCCEEDED' });
    }
    build.phase = 'COMPLETED';
    build.status = status;
    if (exported) this.exported.set(build.id, exported);
  }

  private enterPhase(build: FakeBuild, phase: string): void {
    if (build.phase === phase) return;
    const from = PHASE_ORDER.indexOf(build.phase);
    const to = PHASE_ORDER.indexOf(phase);
    for (const skipped of PHASE_ORDER.slice(Math.max(from, 0), to)) {
      if (!build.completedPhases.some((p) => p.type === skipped)) build.completedPhases.push({ type: skipped, status: 'SUCCEEDED' });
    }
    build.phase = phase;
  }

  private appendLines(build: FakeBuild, lines: readonly string[]): void {
    for (const line of lines) {
      build.streamCreated = true;
      build.events.push({ timestamp: 1_700_000_000_000 + build.events.length, message: `${line}\n` });
    }
  }

  private describe(build: FakeBuild): Record<string, unknown> {
    const [project, streamName] = build.id.split(':');
    return {
      id: build.id,
      arn: `arn:aws:codebuild:us-east-1:123456789012:build/${build.id}`,
      buildStatus: build.status,
      currentPhase: build.phase,
      projectName: project,
      startTime: 1_700_000_000,
      phases: build.completedPhases.map((p) => ({ phaseType: p.type, phaseStatus: p.status, contexts: p.contexts ?? [] })),
      logs: build.phase === 'SUBMITTED'
        ? undefined
        : { groupName: `/aws/codebuild/${project}`, streamName, deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/${project};stream=${streamName}` },
      exportedEnvironmentVariables: Object.entries(this.exported.get(build.id) ?? {}).map(([name, value]) => ({ name, value })),
    };
  }

  // --- CloudWatch Logs ------------------------------------------------------------------------

  protected logs_GetLogEvents(input: Record<string, unknown>): unknown {
    const stream = String(input.logStreamName);
    const build = [...this.builds.values()].find((b) => b.id.split(':')[1] === stream && `/aws/codebuild/${b.id.split(':')[0]}` === input.logGroupName);
    if (!build?.streamCreated) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    if (input.startFromHead !== true) throw new AwsError('InvalidParameterException', 'the fake only serves startFromHead reads');
    const token = input.nextToken as string | undefined;
    const start = token ? Number(/^f\/(\d+)$/.exec(token)?.[1] ?? NaN) : 0;
    if (Number.isNaN(start)) throw new AwsError('InvalidParameterException', `The specified nextToken is invalid: ${token}`);
    const limit = Math.min(Number(input.limit ?? this.logPageSize), this.logPageSize);
    const events = build.events.slice(start, start + limit);
    const next = `f/${start + events.length}`;
    return {
      events: events.map((e) => ({ ...e, ingestionTime: e.timestamp })),
      nextForwardToken: next,
      nextBackwardToken: `b/${start}`,
    };
  }

  // --- S3 -------------------------------------------------------------------------------------

  private async s3(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    // path style (/bucket/key) or virtual host (bucket.host/key)
    const host = (req.headers.host ?? '').split(':')[0]!;
    const virtualBucket = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host === 'localhost' ? undefined : host.split('.')[0];
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const bucket = virtualBucket ?? parts.shift() ?? '';
    const key = parts.join('/');
    const operation = req.method === 'PUT' ? 'PutObject' : req.method === 'HEAD' ? 'HeadObject' : req.method === 'GET' ? 'GetObject' : req.method ?? '?';
    const throttles = this.throttle.get(operation) ?? 0;
    this.calls.push({ service: 's3', operation, input: { Bucket: bucket, Key: key, headers: req.headers }, throttled: throttles > 0 });
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) return s3Error(res, 403, 'AccessDenied', 'request is not signed');
    if (throttles > 0) {
      this.throttle.set(operation, throttles - 1);
      return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if (!this.buckets.has(bucket)) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    const id = `${bucket}/${key}`;
    if (req.method === 'PUT') {
      const expected = req.headers['x-amz-checksum-sha256'];
      if (expected && createHash('sha256').update(body).digest('base64') !== expected) return s3Error(res, 400, 'BadDigest', 'checksum mismatch');
      this.objects.set(id, body);
      res.writeHead(200, { ETag: `"${createHash('md5').update(body).digest('hex')}"` });
      res.end();
      return;
    }
    const object = this.objects.get(id);
    if (!object) {
      if (req.method === 'HEAD') {
        res.writeHead(404);
        res.end();
        return;
      }
      return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    }
    res.writeHead(200, { 'Content-Length': object.length, 'Content-Type': 'application/zip' });
    res.end(req.method === 'HEAD' ? undefined : object);
  }

  private async listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): Promise<string> {
    const server = createServer((req, res) => {
      Promise.resolve(handler(req, res)).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
}

function jsonService(service: AwsCall['service'], targetPrefix: string, fake: FakeAws) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const reply = (status: number, payload: unknown) => {
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': 'fake' });
      res.end(text);
    };
    if (req.method !== 'POST' || !target.startsWith(`${targetPrefix}.`)) return reply(400, { __type: 'UnknownOperationException', message: `bad target ${target}` });
    if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) return reply(400, { __type: 'SerializationException', message: 'wrong content type' });
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) return reply(400, { __type: 'MissingAuthenticationTokenException', message: 'unsigned' });
    try {
      const result = fake.handle(service, target.slice(targetPrefix.length + 1), body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {});
      reply(200, result ?? {});
    } catch (error) {
      if (error instanceof AwsError) return reply(error.status, { __type: error.type, message: error.message });
      throw error;
    }
  };
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fake</RequestId></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
  res.end(xml);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
