/** A catalog entry: one file under gitops/models/, one served model. */
export interface ModelEntry {
  /** DNS-1035 label; every Kubernetes name for this model derives from it. */
  readonly name: string;
  readonly source: ModelSource;
  readonly serving: ServingSpec;
}

export type ModelSource = HuggingFaceSource | UrlSource | S3Source;

export interface HuggingFaceSource {
  readonly kind: 'huggingface';
  /** `org/name` on the Hub */
  readonly repo: string;
  /** branch, tag or 40-hex commit; staging resolves and records the commit */
  readonly revision: string;
}

/** A .tar archive over HTTPS, such as a Mistral CDN release. */
export interface UrlSource {
  readonly kind: 'url';
  readonly url: string;
  readonly sha256?: string;
}

/** Weights already staged in S3. */
export interface S3Source {
  readonly kind: 's3';
  /** `s3://bucket/prefix/` */
  readonly uri: string;
}

export interface ServingSpec {
  readonly maxModelLen: number;
  /** per replica; count is the tensor parallel size */
  readonly gpu: GpuRequest;
}

export interface GpuRequest {
  readonly type: GpuTypeName;
  readonly count: number;
}

export type GpuTypeName = string;
