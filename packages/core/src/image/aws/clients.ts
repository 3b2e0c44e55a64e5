import type { ClientConfig } from './client-config.js';
import type { ImageServices } from '../services.js';

interface AwsClientOptions {
  /** default: AWS_REGION / AWS_DEFAULT_REGION / the shared config, as the SDK resolves it */
  readonly region?: string;
}

/**
 * Real SDK v3 clients behind the image services. Endpoints follow the SDK's own rules
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CODEBUILD, _ECR, _CLOUDWATCH_LOGS, _S3), credentials the
 * default chain. The SDK's retries are off (maxAttempts 1): build-image retries every call itself,
 * by error name, with one visible policy. The SDK is loaded here, on first use, so commands that
 * never talk to AWS (catalog check, render) do not pay for loading it.
 */
export async function createAwsImageServices(options: AwsClientOptions = {}): Promise<ImageServices> {
  const config: ClientConfig = { ...(options.region ? { region: options.region } : {}), maxAttempts: 1 };
  const [ecr, codebuild, logs, s3] = await Promise.all([import('./ecr.js'), import('./codebuild.js'), import('./logs.js'), import('./s3.js')]);
  return {
    registry: ecr.createEcrRegistry(config),
    builds: codebuild.createCodeBuildService(config),
    logs: logs.createCloudWatchBuildLogs(config),
    sources: s3.createS3SourceStore(config),
  };
}
