import type { StartBuildRequest } from './plan.js';

/**
 * The narrow views of AWS the build needs. Each method is exactly one API call, so the caller
 * decides retries and a test can count calls at the server. The real implementations (aws/) use
 * the AWS SDK v3 clients; tests point those same clients at local servers.
 */
export interface ImageServices {
  readonly registry: ImageRegistry;
  readonly builds: BuildService;
  readonly logs: BuildLogReader;
  readonly sources: SourceStore;
}

export type ImageLookup =
  | { readonly kind: 'found'; readonly digest: string; readonly registryId: string }
  | { readonly kind: 'image-missing' }
  | { readonly kind: 'repository-missing' };

export interface ImageRegistry {
  /** ECR DescribeImages for one tag */
  findImage(repository: string, tag: string, registryId?: string): Promise<ImageLookup>;
  /** ECR DescribeRepositories for one name; undefined when it does not exist */
  describeRepository(repository: string, registryId?: string): Promise<RepositoryInfo | undefined>;
  /** ECR CreateRepository (immutable tags, scan on push); `created: false` when it already existed */
  createRepository(repository: string): Promise<{ readonly created: boolean }>;
  /** ECR PutLifecyclePolicy */
  putLifecyclePolicy(repository: string, policyText: string): Promise<void>;
  /** `<registryId>.dkr.ecr.<region>.amazonaws.com`, for image references */
  registryHost(registryId: string): Promise<string>;
}

export interface RepositoryInfo {
  readonly uri: string;
  readonly registryId: string;
  readonly tagMutability: string | undefined;
}

type BuildStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'FAULT' | 'TIMED_OUT' | 'STOPPED' | (string & {});

interface BuildPhase {
  readonly type: string;
  readonly status: string | undefined;
  readonly contexts: readonly { readonly statusCode: string; readonly message: string }[];
}

/** A CodeBuild build as BatchGetBuilds/StartBuild/StopBuild return it, reduced to what is used. */
export interface BuildSnapshot {
  readonly id: string;
  readonly status: BuildStatus;
  readonly currentPhase: string | undefined;
  readonly phases: readonly BuildPhase[];
  readonly logs: { readonly group: string; readonly stream: string; readonly deepLink: string | undefined } | undefined;
  readonly exportedVariables: Readonly<Record<string, string>>;
}

export interface ProjectSpec {
  readonly name: string;
  readonly serviceRole: string;
  readonly buildspec: string;
  readonly image: string;
  readonly computeType: string;
  readonly timeoutInMinutes: number;
}

export interface BuildService {
  /** CodeBuild StartBuild */
  start(request: StartBuildRequest): Promise<BuildSnapshot>;
  /** CodeBuild BatchGetBuilds for one id; undefined when CodeBuild does not know it */
  get(buildId: string): Promise<BuildSnapshot | undefined>;
  /** CodeBuild StopBuild */
  stop(buildId: string): Promise<BuildSnapshot | undefined>;
  /** CodeBuild BatchGetProjects for one name */
  projectExists(name: string): Promise<boolean>;
  /** CodeBuild CreateProject; `created: false` when it already existed */
  createProject(spec: ProjectSpec): Promise<{ readonly created: boolean }>;
}

interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
}

export interface LogPage {
  readonly events: readonly LogEvent[];
  readonly nextForwardToken: string | undefined;
}

export interface BuildLogReader {
  /** CloudWatch Logs GetLogEvents, oldest first; undefined while the stream does not exist yet */
  read(group: string, stream: string, nextToken: string | undefined): Promise<LogPage | undefined>;
}

export interface SourceStore {
  /** S3 HeadObject */
  exists(bucket: string, key: string): Promise<boolean>;
  /** S3 PutObject with a SHA-256 checksum the server verifies */
  put(bucket: string, key: string, body: Buffer, sha256Base64: string): Promise<void>;
}

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED']);
