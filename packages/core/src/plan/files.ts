import type { FilesPlan } from './types.js';
import type { CatalogCheckResult } from '../catalog/check-catalog.js';
import { RayGitopsError } from '../errors/errors.js';
import type { PreviousRender } from '../render/previous.js';
import { renderCatalog } from '../render/render.js';

interface PlanFilesOptions {
  readonly catalogDir: string;
  readonly outDir: string;
  readonly versionsFile: string;
  /** the checked catalog of catalogDir and the previous render of outDir, as the plan already has them */
  readonly catalog: CatalogCheckResult;
  readonly previous: PreviousRender;
}

/**
 * The rendered files the merge changes: `render --check` against the committed tree, keeping its
 * image and staged locations. A render that cannot run (catalog errors, no earlier render to take
 * the image from) is reported as the reason, not thrown: the rest of the plan still stands.
 */
export async function planFiles(options: PlanFilesOptions): Promise<FilesPlan> {
  const { outDir } = options;
  try {
    const result = await renderCatalog({
      catalogDir: options.catalogDir,
      outDir,
      versionsFile: options.versionsFile,
      check: true,
      catalog: options.catalog,
      previous: options.previous,
    });
    if (!result.ok) return { status: 'not-planned', outDir, reason: 'the catalog has errors, so nothing can be rendered' };
    return { status: 'planned', outDir, changes: result.plan!.changes, unchanged: result.plan!.unchanged };
  } catch (error) {
    if (!(error instanceof RayGitopsError)) throw error;
    return { status: 'not-planned', outDir, reason: error.message };
  }
}
