import { join } from 'node:path';
import { makeImageSource, writeFiles } from '@ray-gitops/testkit/image-fixtures';
import { tempDir } from '@ray-gitops/testkit/temp';
import { testZip } from '@ray-gitops/testkit/zip';
import { describe, expect, test } from 'vitest';
import { collectBuildContext, crc32, zipContext } from '../../src/index.js';

interface Entry { name: string; mode: number; data: Buffer; dosDate: number; dosTime: number }

/** Reads a zip through its central directory, checking each local header and CRC. */
function readZip(zip: Buffer): Entry[] {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(p + 16);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const mode = Math.floor(zip.readUInt32LE(p + 38) / 65536) % 0o1000;
    const offset = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    expect(zip.readUInt32LE(offset)).toBe(0x04034b50);
    const dataStart = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
    const data = zip.subarray(dataStart, dataStart + size);
    expect(crc32(data)).toBe(crc);
    entries.push({ name, mode, data, dosTime: zip.readUInt16LE(p + 12), dosDate: zip.readUInt16LE(p + 14) });
    p += 46 + nameLength;
  }
  return entries;
}

describe('deterministic zip of the build context', () => {
  test('gives byte-identical zips for the same files in two directories', async () => {
    const a = await makeImageSource();
    const b = await makeImageSource();
    const zipOf = async (s: { context: string; serve: string }) =>
      zipContext((await collectBuildContext([{ dir: s.context }, { name: 'serve', dir: s.serve }])).files);
    const [zipA, zipB] = await Promise.all([zipOf(a), zipOf(b)]);
    expect(zipA.equals(zipB)).toBe(true);

    const entries = readZip(zipA);
    expect(entries.map((e) => e.name)).toEqual([
      'context/.dockerignore',
      'context/Dockerfile',
      'named/serve/pkg/__init__.py',
      'named/serve/pkg/app.py',
      'named/serve/pyproject.toml',
    ]);
    expect(entries.every((e) => e.dosDate === 33 && e.dosTime === 0)).toBe(true);
    expect(entries.find((e) => e.name === 'named/serve/pkg/app.py')?.data.toString()).toBe('def app():\n    return "hello"\n');
  });

  test('keeps the executable bit and UTF-8 names', async () => {
    const root = await tempDir('zip-');
    await writeFiles(root, { 'run.sh': '#!/bin/sh\necho hi\n', 'données.txt': 'é\n' });
    const { chmod } = await import('node:fs/promises');
    await chmod(join(root, 'run.sh'), 0o755);
    const entries = readZip(await zipContext((await collectBuildContext([{ dir: root }])).files));
    expect(entries.map((e) => [e.name, e.mode.toString(8)])).toEqual([
      ['context/données.txt', '644'],
      ['context/run.sh', '755'],
    ]);
  });

  // yauzl, a strict reader written apart from this zip writer, is the reference reader here (`unzip -t`'s checks)
  test('is read back whole by an independent zip reader, sizes and CRC-32s checked', async () => {
    const source = await makeImageSource();
    const { files } = await collectBuildContext([{ dir: source.context }, { name: 'serve', dir: source.serve }]);
    const entries = await testZip(await zipContext(files));
    expect(entries.map((entry) => entry.name)).toEqual(readZip(await zipContext(files)).map((entry) => entry.name));
    expect(entries.length).toBeGreaterThan(2);
  });

  test('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});
