import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProvenanceArg, resolveBuildArgs, type ProvenanceArg } from './build-args.js';
import { collectBuildContext, zipRoot, type BuildContext, type ContextSource } from './build-context.js';
import { computeContentTag } from './content-tag.js';
import { readDockerfile } from './dockerfile.js';
import { BuildContextError } from './errors.js';
import { lintImageDefinition } from './lint.js';
import { readVersionsFile } from './versions.js';
import { UsageError } from '../errors/index.js';
import type { Diagnostic } from '../report/index.js';

export interface ImageBuildOptions {
  /** the main build context; holds Dockerfile, and by default versions.json and buildspec.yml */
  readonly contextDir: string;
  /** named build contexts, NAME → directory (BuildKit `--build-context NAME=DIR`) */
  readonly namedContexts?: Readonly<Record<string, string>>;
  /** `--build-arg` values; they win over versions.json */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** default `<context>/versions.json`, which may be absent; an explicit path must exist */
  readonly versionsFile?: string;
  /** default `<context>/buildspec.yml` */
  readonly buildspecFile?: string;
  readonly repository: string;
  /** the account of the ECR registry, when it is not the caller's */
  readonly registryId?: string;
  readonly project: string;
  /** S3 bucket for the zipped context; needed only when a build runs */
  readonly sourceBucket?: string;
  readonly sourcePrefix?: string;
  /** OCI labels: where the image was built from; not part of the content tag */
  readonly provenance?: { readonly source?: string; readonly revision?: string };
  /** default: derived from the tag and the GitHub run, or random outside Actions */
  readonly idempotencyToken?: string;
  readonly env?: NodeJS.ProcessEnv;
}

interface EnvironmentVariable {
  readonly name: string;
  readonly value: string;
  readonly type: 'PLAINTEXT';
}

/** The StartBuild input, field for field as CodeBuild's API names it. */
export interface StartBuildRequest {
  readonly projectName: string;
  readonly sourceTypeOverride: 'S3';
  readonly sourceLocationOverride: string;
  readonly buildspecOverride: string;
  readonly privilegedModeOverride: boolean;
  readonly idempotencyToken: string;
  readonly environmentVariablesOverride: readonly EnvironmentVariable[];
}

export interface ImageBuildPlan {
  readonly tag: string;
  readonly contentSha256: string;
  /** the canonical text the tag hashes */
  readonly manifest: string;
  readonly context: BuildContext;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly provenanceArgs: Readonly<Record<string, string>>;
  readonly buildspec: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly repository: string;
  readonly registryId: string | undefined;
  readonly project: string;
  readonly source: { readonly bucket: string | undefined; readonly key: string };
  readonly startBuild: StartBuildRequest;
  /** the same build on a laptop, as argv */
  readonly localBuildCommand: readonly string[];
}

const DEFAULT_SOURCE_PREFIX = 'ray-gitops/build-context';
/** shown in a dry run's StartBuild request when no bucket was given */
const BUCKET_PLACEHOLDER = '<source-bucket>';

/**
 * Everything about a build that needs no AWS call: the context files, the build arguments, the
 * lint findings, the content tag and the exact StartBuild request. `--dry-run` prints this.
 */
export async function planImageBuild(options: ImageBuildOptions): Promise<ImageBuildPlan> {
  const named = Object.entries(options.namedContexts ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name] of named) {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(name)) throw new UsageError(`named build context '${name}' must be lower case letters, digits, '.', '_' or '-'.`);
  }
  const sources: ContextSource[] = [{ dir: options.contextDir }, ...named.map(([name, dir]) => ({ name, dir }))];

  const dockerfilePath = join(options.contextDir, 'Dockerfile');
  const { facts } = await readDockerfile(dockerfilePath);
  const versions = await readVersionsFile(options.versionsFile ?? join(options.contextDir, 'versions.json'), options.versionsFile !== undefined);
  const buildspecPath = options.buildspecFile ?? join(options.contextDir, 'buildspec.yml');
  const buildspec = await readFile(buildspecPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new BuildContextError(`buildspec ${buildspecPath} cannot be read (${error.code ?? error.message}); pass --buildspec FILE.`, { cause: error });
  });
  const context = await collectBuildContext(sources);

  const buildArgs = resolveBuildArgs(facts, versions, options.buildArgs ?? {});
  const diagnostics = lintImageDefinition({ facts, buildArgs, namedContexts: named.map(([name]) => name) });
  const { tag, sha256, manifest } = computeContentTag({ files: context.files, buildArgs: buildArgs.content, buildspec });

  const declared = new Set(facts.args.map((a) => a.name));
  const provenanceValues: Record<ProvenanceArg, string | undefined> = {
    OCI_SOURCE: options.buildArgs?.OCI_SOURCE ?? options.provenance?.source,
    OCI_REVISION: options.buildArgs?.OCI_REVISION ?? options.provenance?.revision,
    CONTENT_TAG: tag,
  };
  const provenanceArgs: Record<string, string> = {};
  for (const [name, value] of Object.entries(provenanceValues)) {
    if (value !== undefined && value !== '' && declared.has(name) && isProvenanceArg(name)) provenanceArgs[name] = value;
  }

  const prefix = (options.sourcePrefix ?? DEFAULT_SOURCE_PREFIX).replace(/^\/+|\/+$/g, '');
  const key = `${prefix ? `${prefix}/` : ''}${tag}.zip`;
  const bucket = options.sourceBucket || undefined;
  const idempotencyToken = options.idempotencyToken ?? defaultIdempotencyToken(tag, options.env ?? process.env);
  const environment: EnvironmentVariable[] = [
    plain('IMAGE_REPO_NAME', options.repository),
    plain('IMAGE_TAG', tag),
    ...(options.registryId ? [plain('ECR_REGISTRY_ID', options.registryId)] : []),
    plain('DOCKER_CONTEXT', zipRoot({ dir: options.contextDir })),
    plain('NAMED_CONTEXTS', named.map(([name]) => `${name}=${zipRoot({ name, dir: '' })}`).join(' ')),
    ...Object.entries({ ...buildArgs.content, ...provenanceArgs })
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => plain(`BUILD_ARG_${name}`, value)),
  ];
  const startBuild: StartBuildRequest = {
    projectName: options.project,
    sourceTypeOverride: 'S3',
    sourceLocationOverride: `${bucket ?? BUCKET_PLACEHOLDER}/${key}`,
    buildspecOverride: buildspec,
    privilegedModeOverride: true,
    idempotencyToken,
    environmentVariablesOverride: environment,
  };

  const localBuildCommand = [
    'docker', 'buildx', 'build',
    ...named.flatMap(([name, dir]) => ['--build-context', `${name}=${dir}`]),
    ...Object.entries({ ...buildArgs.content, ...provenanceArgs }).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
    '--tag', `${options.repository}:${tag}`,
    options.contextDir,
  ];

  return {
    tag,
    contentSha256: sha256,
    manifest,
    context,
    buildArgs: buildArgs.content,
    provenanceArgs,
    buildspec,
    diagnostics,
    repository: options.repository,
    registryId: options.registryId,
    project: options.project,
    source: { bucket, key },
    startBuild,
    localBuildCommand,
  };
}

function plain(name: string, value: string): EnvironmentVariable {
  return { name, value, type: 'PLAINTEXT' };
}

/**
 * CodeBuild returns the same build for a repeated StartBuild with the same token (for 5 minutes),
 * which makes retrying StartBuild safe. Inside Actions the token is fixed by the run, attempt and
 * step, so a re-run attempt starts a fresh build; elsewhere it is random per invocation.
 */
function defaultIdempotencyToken(tag: string, env: NodeJS.ProcessEnv): string {
  if (!env.GITHUB_RUN_ID) return randomUUID();
  const seed = [tag, env.GITHUB_REPOSITORY, env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB, env.GITHUB_ACTION].join('\n');
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

/** Shell-quotes argv for display. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}
