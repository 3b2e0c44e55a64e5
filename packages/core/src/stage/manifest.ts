import { s3Call, signalOption, describeCall, type S3Session } from './s3-call.js';
import { isNotFound } from './s3-requests.js';
import { joinKey, type S3Location } from './s3.js';
import { Semaphore } from './semaphore.js';
import { bareEtag, headStaged } from './staged-object.js';
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
export async function readManifest(session: S3Session, key: string): Promise<StageManifest | undefined> {
  try {
    const text = await s3Call(session, describeCall(session, 'GetObject', key), async (abortSignal) => {
      const response = await session.s3.send(new session.sdk.GetObjectCommand({ Bucket: session.bucket, Key: key }), signalOption(abortSignal));
      return response.Body!.transformToString();
    });
    return JSON.parse(text) as StageManifest;
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

export interface StagedObjectProblem {
  readonly path: string;
  readonly key: string;
  /** `missing`, or what differs */
  readonly problem: string;
}

/**
 * HEADs every object a manifest lists (16 at a time): it must still be there with the manifest's size,
 * the sha256 in its metadata, and the ETag and CRC32C S3 stored when it was staged (where the manifest
 * and the store have them). A deleted or replaced object is reported, never vouched for.
 */
export async function checkStagedObjects(session: S3Session, modelPrefix: string, manifest: StageManifest): Promise<StagedObjectProblem[]> {
  const problems: StagedObjectProblem[] = [];
  const slots = new Semaphore(16);
  await Promise.all(
    manifest.files.map(async (file) => {
      const key = `${modelPrefix}${file.path}`;
      await slots.acquire(1);
      try {
        const head = await headStaged(session, key);
        const problem = !head
          ? 'missing'
          : head.ContentLength !== file.size
            ? `size ${head.ContentLength} instead of ${file.size}`
            : head.Metadata?.sha256 !== file.sha256
              ? 'sha256 metadata differs'
              : file.etag && bareEtag(head.ETag) !== file.etag
                ? `ETag ${bareEtag(head.ETag)} instead of ${file.etag}`
                : file.crc32c && head.ChecksumCRC32C && head.ChecksumCRC32C !== file.crc32c
                  ? `CRC32C ${head.ChecksumCRC32C} instead of ${file.crc32c}`
                  : undefined;
        if (problem) problems.push({ path: file.path, key, problem });
      } finally {
        slots.release(1);
      }
    }),
  );
  return problems.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export async function writeManifest(session: S3Session, key: string, manifest: StageManifest): Promise<void> {
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  await s3Call(session, describeCall(session, 'PutObject', key), (abortSignal) =>
    session.s3.send(new session.sdk.PutObjectCommand({ Bucket: session.bucket, Key: key, Body: body, ContentType: 'application/json' }), signalOption(abortSignal)),
  );
}
