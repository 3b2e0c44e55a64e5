import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ClientConfig } from './client-config.js';
import type { SourceStore } from '../services.js';

export function createS3SourceStore(config: ClientConfig): S3SourceStore {
  return new S3SourceStore(new S3Client(config));
}

export class S3SourceStore implements SourceStore {
  constructor(private readonly client: S3Client) {}

  async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // without s3:ListBucket a missing key answers 403, not 404: upload, and let PutObject decide
      if (status === 404 || status === 403 || (error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey'))) return false;
      throw error;
    }
  }

  async put(bucket: string, key: string, body: Buffer, sha256Base64: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'application/zip',
        ChecksumSHA256: sha256Base64,
      }),
    );
  }
}
