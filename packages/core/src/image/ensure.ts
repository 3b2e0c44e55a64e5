import { MissingAwsResourceError } from './errors.js';
import { callWithRetry, type RetryOptions } from './retry.js';
import type { ImageServices } from './services.js';
import type { Reporter } from '../report/index.js';

/** Keep the last 10 images, as the seed's Terraform did; older content tags are rebuilt if ever needed again. */
export const LIFECYCLE_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: 'keep the last 10 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
      action: { type: 'expire' },
    },
  ],
};

export interface EnsureOptions {
  /** the IAM role CodeBuild runs as; needed only when the project has to be created */
  readonly serviceRole?: string;
  readonly codebuildImage?: string;
  readonly computeType?: string;
  readonly timeoutInMinutes?: number;
}

const DEFAULT_PROJECT = {
  // Ubuntu 22.04, Docker with BuildKit and buildx: named build contexts work
  codebuildImage: 'aws/codebuild/standard:7.0',
  // 8 vCPU, 15 GiB memory: the Ray LLM base image is ~12 GB to pull and unpack
  computeType: 'BUILD_GENERAL1_LARGE',
  timeoutInMinutes: 120,
} as const;

/**
 * Creates what is missing, and touches nothing that exists: the ECR repository (immutable tags,
 * scan on push, AES-256, lifecycle policy) and the CodeBuild project (privileged, CloudWatch logs).
 * Running it twice, or from two workflows at once, ends in the same state.
 */
export async function ensureImageResources(
  args: { repository: string; registryId?: string; project: string; buildspec: string },
  options: EnsureOptions,
  services: ImageServices,
  reporter: Reporter,
  retry: RetryOptions,
): Promise<{ repositoryCreated: boolean; projectCreated: boolean }> {
  const existing = await callWithRetry('ECR DescribeRepositories', () => services.registry.describeRepository(args.repository, args.registryId), retry);
  let repositoryCreated = false;
  if (existing) {
    reporter.info(`ECR repository ${existing.uri} exists (tags ${existing.tagMutability ?? 'unknown'}); left as it is.`);
  } else {
    const { created } = await callWithRetry('ECR CreateRepository', () => services.registry.createRepository(args.repository), retry);
    repositoryCreated = created;
    if (created) {
      await callWithRetry('ECR PutLifecyclePolicy', () => services.registry.putLifecyclePolicy(args.repository, JSON.stringify(LIFECYCLE_POLICY)), retry);
      reporter.info(`created ECR repository ${args.repository}: immutable tags, scan on push, keeps the last 10 images.`);
    } else {
      reporter.info(`ECR repository ${args.repository} was created concurrently; left as it is.`);
    }
  }

  let projectCreated = false;
  if (await callWithRetry('CodeBuild BatchGetProjects', () => services.builds.projectExists(args.project), retry)) {
    reporter.info(`CodeBuild project ${args.project} exists; left as it is.`);
  } else {
    if (!options.serviceRole) {
      throw new MissingAwsResourceError(
        `CodeBuild project ${args.project} does not exist and ensure mode needs a service role to create it; ` +
          'pass --codebuild-service-role (input codebuild-service-role) with the ARN of a role CodeBuild can assume.',
      );
    }
    const role = options.serviceRole;
    const { created } = await callWithRetry(
      'CodeBuild CreateProject',
      () =>
        services.builds.createProject({
          name: args.project,
          serviceRole: role,
          buildspec: args.buildspec,
          image: options.codebuildImage ?? DEFAULT_PROJECT.codebuildImage,
          computeType: options.computeType ?? DEFAULT_PROJECT.computeType,
          timeoutInMinutes: options.timeoutInMinutes ?? DEFAULT_PROJECT.timeoutInMinutes,
        }),
      retry,
    );
    projectCreated = created;
    reporter.info(created ? `created CodeBuild project ${args.project}.` : `CodeBuild project ${args.project} was created concurrently.`);
  }
  return { repositoryCreated, projectCreated };
}
