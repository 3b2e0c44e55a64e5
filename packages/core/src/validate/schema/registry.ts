import type { ResourceSignature } from '../types.js';
import { BUILTIN_LOCATION, builtinSchemaSource } from './builtin-source.js';
import { crdSchemaSource } from './crd-source.js';
import { locationSchemaSource, type FetchLike } from './location-source.js';
import type { ResourceSchema, SchemaSource } from './source.js';

export interface SchemaRegistryOptions {
  /** CRD YAML files or directories; asked first */
  readonly crds?: readonly string[];
  /**
   * kubeconform-style locations, asked in order after the CRDs. `builtin` names the bundled
   * kubernetes-models schemas, `default` kubeconform's default URL. When none is given, the
   * bundled schemas are used (kubeconform would use its URL; this works offline).
   */
  readonly schemaLocations?: readonly string[];
  readonly strict?: boolean;
  /** `master` or x.y.z; fills {{ .KubernetesVersion }} in locations */
  readonly kubernetesVersion?: string;
  readonly cacheDir?: string;
  readonly fetch?: FetchLike;
}

/**
 * Turns apiVersion + kind into a compiled schema by asking an ordered list of sources; the first that
 * has one wins. Each kind is looked up and compiled once per run (the promise is cached, so resources
 * validated concurrently share one compile). Nothing global: one registry per run.
 */
export class SchemaRegistry {
  /** Builds the usual chain: CRDs, then locations (or the built-in package when none is given). */
  static fromOptions(options: SchemaRegistryOptions): SchemaRegistry {
    const sources: SchemaSource[] = [];
    if (options.crds?.length) sources.push(crdSchemaSource(options.crds));
    const locations = options.schemaLocations?.length ? options.schemaLocations : [BUILTIN_LOCATION];
    for (const location of locations) {
      sources.push(
        location === BUILTIN_LOCATION
          ? builtinSchemaSource()
          : locationSchemaSource(location, {
            ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
            ...(options.fetch ? { fetch: options.fetch } : {}),
          }),
      );
    }
    return new SchemaRegistry(sources, {
      ...(options.strict !== undefined ? { strict: options.strict } : {}),
      ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
    });
  }

  private readonly cache = new Map<string, Promise<ResourceSchema | undefined>>();
  readonly strict: boolean;
  readonly kubernetesVersion: string;

  constructor(
    readonly sources: readonly SchemaSource[],
    options: { strict?: boolean; kubernetesVersion?: string } = {},
  ) {
    this.strict = options.strict ?? false;
    this.kubernetesVersion = options.kubernetesVersion ?? 'master';
  }

  /** The schema for a kind, or undefined when no source has one. Rejects when a source is broken. */
  lookup(signature: Pick<ResourceSignature, 'apiVersion' | 'kind' | 'group' | 'version'>): Promise<ResourceSchema | undefined> {
    const key = `${signature.apiVersion}/${signature.kind}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.search(signature);
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async search(signature: Pick<ResourceSignature, 'apiVersion' | 'kind' | 'group' | 'version'>): Promise<ResourceSchema | undefined> {
    const request = { signature, strict: this.strict, kubernetesVersion: this.kubernetesVersion };
    for (const source of this.sources) {
      const schema = await source.find(request);
      if (schema) return schema;
    }
    return undefined;
  }
}
