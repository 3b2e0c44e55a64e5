import { join, relative, resolve, sep } from 'node:path';
import {
  cachedCrdFiles,
  gitopsChecks,
  nonManifestPatterns,
  schemaCacheDir,
  textReporter,
  validateManifests,
  type OutputSink,
  type ResultReporter,
  type ValidationResult,
  type ValidationSummary,
} from '@ray-gitops/core';

/** The finding kro's analysis reports for an RGD resource template whose kind has no schema. */
const TEMPLATE_WITHOUT_SCHEMA = 'kro/template-schema';

export interface KindCount {
  readonly kind: string;
  readonly count: number;
}

export interface ValidatedTree {
  readonly summary: ValidationSummary;
  /** resources whose kind had no schema here (no --crds for it), by kind: reported, never passed silently */
  readonly unchecked: readonly KindCount[];
  /** resource templates inside the RGD whose fields went unchecked for the same reason */
  readonly uncheckedTemplates: number;
  /** the directory Argo CD source paths were resolved against, or undefined when they could not be mapped onto the output */
  readonly argoRepoRoot: string | undefined;
}

/**
 * `ray-gitops validate` of the rendered tree: the RGD in <out>/platform defines the LLMService schema,
 * `crds` and the schema cache ('ray-gitops schemas fetch') add the upstream ones (KubeRay, kro, Argo CD, …); kinds with no schema are
 * counted and skipped rather than failed, so an offline run still says exactly what it could not check.
 * Findings go to `log` as `FILE:LINE:COL: message` lines.
 */
export async function validateTree(options: {
  readonly outDir: string;
  readonly catalogDir: string;
  /** `path` of the render settings: where the tree sits in the repository Argo CD syncs */
  readonly repositoryPath: string;
  readonly crds: readonly string[];
  readonly log: OutputSink;
}): Promise<ValidatedTree> {
  const unchecked = new Map<string, number>();
  let uncheckedTemplates = 0;
  const collector: ResultReporter = {
    write(result: ValidationResult) {
      if (result.status === 'skipped') {
        const kind = result.resource.kind ?? 'document without a kind';
        unchecked.set(kind, (unchecked.get(kind) ?? 0) + 1);
      }
      uncheckedTemplates += result.diagnostics.filter((diagnostic) => diagnostic.code === TEMPLATE_WITHOUT_SCHEMA).length;
    },
    flush: () => undefined,
  };
  const argoRepoRoot = repositoryRootOf(options.outDir, options.repositoryPath);
  const cacheDir = schemaCacheDir();
  const cache = (await cachedCrdFiles(cacheDir)).length > 0 ? [cacheDir] : [];
  const summary = await validateManifests({
    paths: [options.outDir],
    crds: [join(options.outDir, 'platform'), ...options.crds, ...cache],
    ignoreMissingSchemas: true,
    ignoreFilenamePatterns: nonManifestPatterns(options.outDir, options.catalogDir),
    checks: gitopsChecks({ policy: true }),
    ...(argoRepoRoot !== undefined ? { repoRoot: argoRepoRoot } : {}),
    reporters: [textReporter(options.log), collector],
  });
  return {
    summary,
    unchecked: [...unchecked].map(([kind, count]) => ({ kind, count })).sort((a, b) => (a.kind < b.kind ? -1 : 1)),
    uncheckedTemplates,
    argoRepoRoot,
  };
}

/**
 * The rendered apps name their sources as `<path>/apps`, `<path>/platform`, … inside the repository. When
 * the output directory ends in `<path>` (.ray-gitops/gitops, gitops), the directory above it plays the
 * repository, so the Argo CD checks read this render rather than the committed tree.
 */
function repositoryRootOf(outDir: string, repositoryPath: string): string | undefined {
  const out = resolve(outDir);
  const suffix = `${sep}${repositoryPath.split('/').join(sep)}`;
  if (!out.endsWith(suffix)) return undefined;
  return relative(process.cwd(), out.slice(0, -suffix.length)) || '.';
}
