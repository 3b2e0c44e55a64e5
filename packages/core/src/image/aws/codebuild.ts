import {
  BatchGetBuildsCommand,
  BatchGetProjectsCommand,
  CreateProjectCommand,
  StartBuildCommand,
  StopBuildCommand,
  type Build,
  type ComputeType,
  CodeBuildClient,
} from '@aws-sdk/client-codebuild';
import type { ClientConfig } from './client-config.js';
import type { StartBuildRequest } from '../plan.js';
import type { BuildService, BuildSnapshot, ProjectSpec } from '../services.js';
import { isNamed } from './names.js';

export function createCodeBuildService(config: ClientConfig): CodeBuildService {
  return new CodeBuildService(new CodeBuildClient(config));
}

export class CodeBuildService implements BuildService {
  constructor(private readonly client: CodeBuildClient) {}

  async start(request: StartBuildRequest): Promise<BuildSnapshot> {
    const out = await this.client.send(
      new StartBuildCommand({ ...request, environmentVariablesOverride: request.environmentVariablesOverride.map((v) => ({ ...v })) }),
    );
    if (!out.build?.id) throw new Error('StartBuild returned no build id');
    return toSnapshot(out.build);
  }

  async get(buildId: string): Promise<BuildSnapshot | undefined> {
    const out = await this.client.send(new BatchGetBuildsCommand({ ids: [buildId] }));
    const build = out.builds?.find((b) => b.id === buildId);
    return build ? toSnapshot(build) : undefined;
  }

  async stop(buildId: string): Promise<BuildSnapshot | undefined> {
    const out = await this.client.send(new StopBuildCommand({ id: buildId }));
    return out.build ? toSnapshot(out.build) : undefined;
  }

  async projectExists(name: string): Promise<boolean> {
    const out = await this.client.send(new BatchGetProjectsCommand({ names: [name] }));
    return (out.projects ?? []).some((p) => p.name === name);
  }

  async createProject(spec: ProjectSpec): Promise<{ created: boolean }> {
    try {
      await this.client.send(
        new CreateProjectCommand({
          name: spec.name,
          description: 'Builds the Ray + vLLM image into ECR; started by ray-gitops build-image with the zipped context from S3.',
          // every build overrides the source with the zipped context; the project keeps a buildspec of its own
          source: { type: 'NO_SOURCE', buildspec: spec.buildspec },
          artifacts: { type: 'NO_ARTIFACTS' },
          environment: {
            type: 'LINUX_CONTAINER',
            image: spec.image,
            computeType: spec.computeType as ComputeType,
            privilegedMode: true,
            imagePullCredentialsType: 'CODEBUILD',
          },
          serviceRole: spec.serviceRole,
          timeoutInMinutes: spec.timeoutInMinutes,
          logsConfig: { cloudWatchLogs: { status: 'ENABLED' } },
        }),
      );
      return { created: true };
    } catch (error) {
      if (isNamed(error, 'ResourceAlreadyExistsException')) return { created: false };
      throw error;
    }
  }
}

export function toSnapshot(build: Build): BuildSnapshot {
  const logs = build.logs?.groupName && build.logs.streamName
    ? { group: build.logs.groupName, stream: build.logs.streamName, deepLink: build.logs.deepLink }
    : undefined;
  return {
    id: build.id ?? '',
    status: build.buildStatus ?? 'IN_PROGRESS',
    currentPhase: build.currentPhase,
    phases: (build.phases ?? []).map((p) => ({
      type: p.phaseType ?? 'UNKNOWN',
      status: p.phaseStatus,
      contexts: (p.contexts ?? [])
        .filter((c) => c.statusCode || c.message)
        .map((c) => ({ statusCode: c.statusCode ?? '', message: c.message ?? '' })),
    })),
    logs,
    exportedVariables: Object.fromEntries((build.exportedEnvironmentVariables ?? []).map((v) => [v.name ?? '', v.value ?? ''])),
  };
}
