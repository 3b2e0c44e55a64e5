import type { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';

/** A missing object or upload, however the server words it. */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  // a missing bucket is not a missing object: it must stop the run, not start an upload
  if (e?.name === 'NoSuchBucket') return false;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.name === 'NoSuchUpload' || e?.$metadata?.httpStatusCode === 404;
}

/** A call the server does not offer (s3rver has no ListMultipartUploads, ListParts or AbortMultipartUpload). */
export function isUnsupported(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotImplemented' || e?.name === 'MethodNotAllowed' || e?.$metadata?.httpStatusCode === 501 || e?.$metadata?.httpStatusCode === 405;
}

/** `Name (HTTP status): message` of an S3 or network error, for retry and warning lines. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${error.name}${status ? ` (HTTP ${status})` : ''}: ${error.message}`;
}

/**
 * Sets `x-amz-content-sha256`, the payload hash SigV4 signs: `UNSIGNED-PAYLOAD`, or the hex sha256 the
 * stager already computed (the SDK's signer takes a header that is set instead of hashing the body).
 * Unset, the SDK hashes every byte once more on plain-HTTP endpoints. UNSIGNED-PAYLOAD only for bodies
 * that carry the checksum the store checks (Content-MD5, or CRC32C where the probe showed it is
 * checked): that header is signed, so the store still refuses altered bytes (docs/staging.md).
 */
export function withPayloadHash<C extends PutObjectCommand | UploadPartCommand>(command: C, sha256Hex?: string): C {
  (command.middlewareStack as UploadPartCommand['middlewareStack']).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = sha256Hex ?? 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'stagePayloadHash' },
  );
  return command;
}
