import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

export interface TestedZipEntry {
  readonly name: string;
  readonly size: number;
}

/**
 * What `unzip -t` checks, with yauzl (an independent, strict reader of the central directory and the
 * local headers) instead of Info-ZIP: every entry is read back, its size and CRC-32 compared with what
 * the archive records. Rejects with the first problem; resolves with the entries in archive order.
 */
export async function testZip(zip: Buffer): Promise<TestedZipEntry[]> {
  const archive = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, file) =>
      (error ? reject(error) : resolve(file))),
  );
  const entries: TestedZipEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    archive.on('error', reject);
    archive.on('end', () => resolve());
    archive.on('entry', (entry: yauzl.Entry) => {
      archive.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          const bytes = Buffer.concat(chunks);
          if (crc32(bytes) !== entry.crc32) return reject(new Error(`${entry.fileName}: CRC-32 mismatch`));
          entries.push({ name: entry.fileName, size: bytes.length });
          archive.readEntry();
        });
      });
    });
    archive.readEntry();
  });
  return entries;
}
