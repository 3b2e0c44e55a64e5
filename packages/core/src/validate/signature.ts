import type { ResourceSignature } from './types.js';

/** `apps/v1` → group `apps`, version `v1`; `v1` → the core group ''. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function makeSignature(apiVersion: string, kind: string, name?: string, namespace?: string): ResourceSignature {
  return { apiVersion, kind, ...splitApiVersion(apiVersion), ...(name ? { name } : {}), ...(namespace ? { namespace } : {}) };
}

/** The key schemas are looked up and cached by. */
export function schemaKey(signature: Pick<ResourceSignature, 'apiVersion' | 'kind'>): string {
  return `${signature.apiVersion}/${signature.kind}`;
}

/**
 * Whether a `--skip`/`--reject` entry names this resource: either a bare kind (`Secret`) or
 * `apiVersion/Kind` (`v1/Secret`, `apps/v1/Deployment`), as kubeconform matches them.
 */
export function matchesKind(signature: Pick<ResourceSignature, 'apiVersion' | 'kind'>, entries: ReadonlySet<string>): boolean {
  return entries.has(signature.kind) || entries.has(schemaKey(signature));
}
