/** One file a source offers, with what the source publishes about its content. */
export interface SourceFile {
  /** POSIX path relative to the model root */
  readonly path: string;
  readonly size: number;
  /** lowercase hex SHA-256 the source publishes (Hugging Face LFS oid, a local hash) */
  readonly sha256?: string;
  /** lowercase hex git blob SHA-1 (Hugging Face oid of a non-LFS file) */
  readonly gitSha1?: string;
}

/** A source resolved to one immutable version. */
export interface ResolvedSource {
  /** where the model came from: its source identity (staged/source-identity.ts), e.g. `huggingface:Qwen/Qwen2.5-7B@main`; `dir:PATH` for a local directory */
  readonly description: string;
  readonly kind: 'huggingface' | 'url' | 'dir';
  readonly org: string;
  readonly name: string;
  /** resolved commit, or a content hash for sources without one */
  readonly commit: string;
  readonly files: readonly SourceFile[];
  /** streams the file's bytes from `offset` to its end */
  open(file: SourceFile, offset: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

/** The completion manifest, written last at `<prefix>/.manifests/<org>/<name>/<commit>.json`. */
export interface StageManifest {
  readonly schemaVersion: 1;
  readonly tool: { readonly name: 'ray-gitops'; readonly version: string };
  readonly source: { readonly kind: string; readonly description: string; readonly org: string; readonly name: string; readonly commit: string };
  /** `s3://bucket/prefix/org/name/commit/` */
  readonly s3Uri: string;
  readonly totalBytes: number;
  /** sorted by path */
  readonly files: readonly StagedFileRecord[];
}

/** One file of a manifest: what the source said and what S3 stored, for later runs to compare. */
export interface StagedFileRecord {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** S3's ETag, unquoted (the MD5 for a single-part object) */
  readonly etag?: string;
  /** S3's full-object CRC32C, where the store returned one */
  readonly crc32c?: string;
}

export type FileAction = 'uploaded' | 'resumed' | 'skipped';

export interface StagedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly action: FileAction;
  /** bytes this run sent to S3 for the file */
  readonly bytesUploaded: number;
  /** the object's ETag and full-object CRC32C as S3 stored them, for later runs to compare */
  readonly etag?: string;
  readonly crc32c?: string;
}
