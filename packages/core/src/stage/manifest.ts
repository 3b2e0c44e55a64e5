import type { S3Client } from '@aws-sdk/client-s3';
import type { Sdk } from './context.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { isNotFound } from './s3-requests.js';
import { joinKey, type S3Location } from './s3.js';
import type { SourceFile, StageManifest } from './types.js';

export const STAGE_TOOL_VERSION = '0.1.0';

/** The S3 keys of a staged model. */
export function stagedKeys(
  location: S3Location,
  source: { org: string; name: string; commit: string },
): { modelPrefix: string; manifestKey: string } {
  return {
    modelPrefix: `${joinKey(location.prefix, source.org, source.name, source.commit)}/`,
    manifestKey: joinKey(location.prefix, '.manifests', source.org, source.name, `${source.commit}.json`),
  };
}

/** The manifest at `key`, or undefined when there is none (or it is not JSON: the model is then staged again). */
export async function readManifest(s3: S3Client, sdk: Sdk, bucket: string, key: string, retry: RetryPolicy): Promise<StageManifest | undefined> {
  try {
    const response = await withRetry(() => s3.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key })), { policy: retry });
    return JSON.parse(await response.Body!.transformToString()) as StageManifest;
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The manifest lists exactly these files, with the same sizes and (where the source gives one) sha256. */
export function manifestCovers(manifest: StageManifest, files: readonly SourceFile[]): boolean {
  if (!Array.isArray(manifest.files) || manifest.files.length !== files.length) return false;
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  return files.every((f) => {
    const m = byPath.get(f.path);
    return m !== undefined && m.size === f.size && (f.sha256 === undefined || m.sha256 === f.sha256);
  });
}

export async function writeManifest(s3: S3Client, sdk: Sdk, bucket: string, key: string, manifest: StageManifest, retry: RetryPolicy): Promise<void> {
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  await withRetry(() => s3.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' })), { policy: retry });
}
