/** A catalog entry: one file under gitops/models/, one served model, with every default applied. */
export interface ModelEntry {
  /** DNS-1035 label; every Kubernetes name for this model derives from it (see derived-names.ts). */
  readonly name: string;
  /** free text for people; never rendered into a Kubernetes name */
  readonly description?: string;
  readonly source: ModelSource;
  readonly serving: ServingSpec;
  /** set when the catalog says where to stage; absent means the pipeline's runner stages the weights */
  readonly staging?: StagingSpec;
}

/** `cluster`: an Indexed Job of `shards` pods stages the weights in the cluster (docs/staging-in-cluster.md). */
export interface StagingSpec {
  readonly where: 'runner' | 'cluster';
  /** 1..64; more than 1 only with `cluster` */
  readonly shards: number;
}

export type ModelSource = HuggingFaceSource | UrlSource | S3Source;

export type ModelSourceKind = ModelSource['kind'];

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
  /** always `https://` */
  readonly url: string;
  /** lowercase hex of the archive's SHA-256, when the publisher gives one */
  readonly sha256?: string;
}

/** Weights already staged in S3. */
export interface S3Source {
  readonly kind: 's3';
  /** `s3://bucket/prefix/`, always ending in `/` */
  readonly uri: string;
}

/**
 * How the workers read weights from S3: `stream` loads them with vLLM's Run:ai model streamer,
 * `mount` reads them from a Mountpoint-for-S3 volume.
 */
export type WeightStorage = 'stream' | 'mount';

/**
 * How KubeRay rolls out a change of the model's RayService: `new-cluster` (KubeRay NewCluster),
 * `incremental` (NewClusterWithIncrementalUpgrade) or `none` (None).
 */
export type UpgradeStrategy = 'new-cluster' | 'incremental' | 'none';

export type EngineArgValue = string | number | boolean;

export interface ServingSpec {
  readonly maxModelLen: number;
  /** per replica; count is the tensor parallel size */
  readonly gpu: GpuRequest;
  /** Ray Serve autoscaling bounds for the model's deployment */
  readonly replicas: ReplicaRange;
  readonly storage: WeightStorage;
  readonly upgrade: UpgradeStrategy;
  /** extra vLLM engine arguments, kebab-case keys as on vLLM's command line, sorted by key */
  readonly engineArgs: Readonly<Record<string, EngineArgValue>>;
  /** vLLM's trust-remote-code: the workers run Python code from the model repository; absent means false */
  readonly trustRemoteCode?: boolean;
  /** the engineArgs keys that reach outside the image and the staged weights, allowed by the entry, sorted; absent when none */
  readonly outsideEngineArgs?: readonly string[];
}

export interface GpuRequest {
  readonly type: GpuTypeName;
  readonly count: number;
}

export type GpuTypeName = string;

export interface ReplicaRange {
  readonly min: number;
  readonly max: number;
}
