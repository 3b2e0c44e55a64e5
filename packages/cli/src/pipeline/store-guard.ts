import { readdir, rm, stat, statfs } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

/** Room kept free on the disk besides what requests in flight will write (s3rver's metadata files, the manifest). */
const MARGIN_BYTES = 1024 * 1024;

const xmlError = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/**
 * What s3rver lacks for a clean "disk full": it writes parts and objects with an unguarded stream, so
 * ENOSPC there brings the whole process down, and it has no AbortMultipartUpload, so the parts of a
 * failed upload stay on disk for good. This guard sits in front of it: a write that would not fit
 * (with what is in flight) is answered 507 InsufficientStorage before a byte lands, and
 * AbortMultipartUpload removes the upload's parts. Returns true when it answered the request itself.
 */
export function createStoreGuard(dataDir: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  let reserved = 0;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3rver');
    const [bucket] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const uploadId = url.searchParams.get('uploadId');
    const uploadDir = bucket && uploadId && /^[0-9a-f]+$/.test(uploadId) ? join(dataDir, bucket, '._S3rver_uploads', uploadId) : undefined;

    if (req.method === 'DELETE' && uploadDir) {
      req.resume();
      const existed = await stat(uploadDir).then(() => true, () => false);
      await rm(uploadDir, { recursive: true, force: true });
      res.writeHead(existed ? 204 : 404, existed ? {} : { 'content-type': 'application/xml' });
      res.end(existed ? undefined : xmlError('NoSuchUpload', 'The specified upload does not exist.'));
      return true;
    }

    // PutObject and UploadPart bring their size; CompleteMultipartUpload copies its parts into one object
    const incoming = req.method === 'PUT' ? Number(req.headers['content-length'] ?? 0) : req.method === 'POST' && uploadDir ? await directorySize(uploadDir) : 0;
    if (incoming <= 0) return false;
    const disk = await statfs(dataDir);
    const free = disk.bavail * disk.bsize;
    if (incoming + reserved + MARGIN_BYTES > free) {
      req.resume();
      res.writeHead(507, { 'content-type': 'application/xml', 'connection': 'close' });
      res.end(xmlError('InsufficientStorage', `The embedded bucket's disk (${dataDir}) has ${free} bytes free; this write needs ${incoming}.`));
      return true;
    }
    reserved += incoming;
    res.once('close', () => (reserved -= incoming));
    return false;
  };
}

async function directorySize(dir: string): Promise<number> {
  try {
    const names = await readdir(dir);
    const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
    return sizes.reduce((sum, size) => sum + size, 0);
  } catch {
    return 0;
  }
}
