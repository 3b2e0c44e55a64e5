import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  PutLifecyclePolicyCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import type { ClientConfig } from './client-config.js';
import { isNamed } from './names.js';
import type { ImageLookup, ImageRegistry, RepositoryInfo } from '../services.js';

export function createEcrRegistry(config: ClientConfig): EcrRegistry {
  return new EcrRegistry(new ECRClient(config));
}

export class EcrRegistry implements ImageRegistry {
  constructor(private readonly client: ECRClient) {}

  async findImage(repository: string, tag: string, registryId?: string): Promise<ImageLookup> {
    try {
      const out = await this.client.send(
        new DescribeImagesCommand({ repositoryName: repository, registryId, imageIds: [{ imageTag: tag }] }),
      );
      const detail = out.imageDetails?.find((d) => d.imageDigest);
      if (!detail?.imageDigest) return { kind: 'image-missing' };
      return { kind: 'found', digest: detail.imageDigest, registryId: detail.registryId ?? registryId ?? '' };
    } catch (error) {
      if (isNamed(error, 'ImageNotFoundException')) return { kind: 'image-missing' };
      if (isNamed(error, 'RepositoryNotFoundException')) return { kind: 'repository-missing' };
      throw error;
    }
  }

  async describeRepository(repository: string, registryId?: string): Promise<RepositoryInfo | undefined> {
    try {
      const out = await this.client.send(new DescribeRepositoriesCommand({ repositoryNames: [repository], registryId }));
      const repo = out.repositories?.[0];
      if (!repo?.repositoryUri || !repo.registryId) return undefined;
      return { uri: repo.repositoryUri, registryId: repo.registryId, tagMutability: repo.imageTagMutability };
    } catch (error) {
      if (isNamed(error, 'RepositoryNotFoundException')) return undefined;
      throw error;
    }
  }

  async createRepository(repository: string): Promise<{ created: boolean }> {
    try {
      await this.client.send(
        new CreateRepositoryCommand({
          repositoryName: repository,
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: 'AES256' },
        }),
      );
      return { created: true };
    } catch (error) {
      // another run created it between our describe and create: the end state is the same
      if (isNamed(error, 'RepositoryAlreadyExistsException')) return { created: false };
      throw error;
    }
  }

  async putLifecyclePolicy(repository: string, policyText: string): Promise<void> {
    await this.client.send(new PutLifecyclePolicyCommand({ repositoryName: repository, lifecyclePolicyText: policyText }));
  }

  async registryHost(registryId: string): Promise<string> {
    const region = await this.client.config.region();
    const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return `${registryId}.dkr.ecr.${region}.${suffix}`;
  }
}
