import { createHash, type Hash } from 'node:crypto';
import { IntegrityError } from './errors.js';
import type { SourceFile } from './types.js';

/** The digests of a file's bytes that its source publishes: sha256 always, the git blob sha1 when given. */
export class SourceHashes {
  private readonly sha256 = createHash('sha256');
  private readonly sha1: Hash | undefined;

  constructor(private readonly file: SourceFile) {
    this.sha1 = file.gitSha1 ? createHash('sha1').update(`blob ${file.size}\0`) : undefined;
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.sha1?.update(chunk);
  }

  /** The file's sha256, once it matches what the source published, or an IntegrityError that says which did not. */
  verify(): string {
    const { file } = this;
    const sha256 = this.sha256.digest('hex');
    if (file.sha256 && sha256 !== file.sha256) throw new IntegrityError(`${file.path}: sha256 ${sha256} does not match the source's ${file.sha256}`);
    const sha1 = this.sha1?.digest('hex');
    if (file.gitSha1 && sha1 !== file.gitSha1) throw new IntegrityError(`${file.path}: git blob sha1 ${sha1} does not match the source's ${file.gitSha1}`);
    return sha256;
  }
}

/** The object metadata that lets a re-run recognise a staged file without reading it. */
export function objectMetadata(file: SourceFile, sha256 = file.sha256): Record<string, string> {
  return { ...(sha256 ? { sha256 } : {}), ...(file.gitSha1 ? { 'git-sha1': file.gitSha1 } : {}) };
}
