import { SchemaRegistry, type SchemaRegistryOptions } from '@ray-gitops/core';

/**
 * Compiled schema registries, one per set of options, kept for as long as this module lives: the whole
 * worker in the `unit` project (isolate: false), the test file elsewhere. A registry compiles each kind
 * once, on first use; the Argo CD and KubeRay CRDs are large, so sharing the compiled schemas across
 * test files saves seconds per file. Only for registries that read local files (CRDs, built-in schemas):
 * a registry with a fetch or a cache dir is the test's own.
 */
const registries = new Map<string, SchemaRegistry>();

export function compiledRegistry(options: Pick<SchemaRegistryOptions, 'crds' | 'strict' | 'schemaLocations' | 'kubernetesVersion'>): SchemaRegistry {
  const key = JSON.stringify([options.crds ?? [], options.strict ?? false, options.schemaLocations ?? [], options.kubernetesVersion ?? '']);
  let registry = registries.get(key);
  if (!registry) registries.set(key, (registry = SchemaRegistry.fromOptions(options)));
  return registry;
}
