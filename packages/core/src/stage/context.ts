import type { S3Client } from '@aws-sdk/client-s3';
import type { PartChecksums } from './checksum-support.js';
import type { PartBuffers } from './part-buffers.js';
import type { Progress } from './progress.js';
import type { RetryPolicy } from './retry.js';
import type { S3Session, Sdk } from './s3-call.js';
import type { Semaphore } from './semaphore.js';
import type { ResolvedSource } from './types.js';
import type { Reporter } from '../report/index.js';

/** What every file upload of one staging run shares. */
export interface StageContext extends S3Session {
  readonly s3: S3Client;
  readonly sdk: Sdk;
  readonly bucket: string;
  readonly source: ResolvedSource;
  readonly storageClass: string;
  /** one part size for the whole run, so every part buffer can serve every file */
  readonly partSize: number;
  /** CRC32C where the store checks it, Content-MD5 where it does not: found out once per endpoint */
  readonly checksums: PartChecksums;
  readonly buffers: PartBuffers;
  /** uploads in flight */
  readonly slots: Semaphore;
  readonly progress: Progress;
  readonly reporter: Reporter;
  readonly retry: RetryPolicy;
  /** key → uploadId of multipart uploads this run created or continued and has not finished */
  readonly openUploads: Map<string, string>;
  /** keys whose object a check found wrong: staged again whatever their metadata says */
  readonly distrusted: Set<string>;
  /** recheck: objects are read back and their sha256 compared, never trusted by their metadata */
  readonly readBack: boolean;
  /** the first failure of any file: the others stop at their next chunk */
  failed: unknown;
}
