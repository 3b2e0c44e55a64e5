import { join } from 'node:path';
import { planFiles } from './files.js';
import { DEFAULT_HUB_CONCURRENCY, DEFAULT_HUB_TIMEOUT_MS, HubLookups } from './hub-lookups.js';
import { planImage } from './image.js';
import { planModels } from './models.js';
import { planRollouts } from './rollout.js';
import { planStaging } from './staging.js';
import type { PlanVerdict, PullRequestPlan } from './types.js';
import { checkCatalog, type CatalogCheckResult, type CheckCatalogOptions } from '../catalog/check-catalog.js';
import type { HubOptions } from '../fit/metadata.js';
import { isPlaceholderImage, NO_IMAGE_YET } from '../render/image-ref.js';
import { readPreviousRender, type PreviousRender } from '../render/previous.js';
import { loadRenderSettings, SETTINGS_FILE_NAME } from '../render/settings.js';
import { decideVerdict } from '../report/verdict.js';

export interface BuildPlanOptions {
  /** default gitops/models */
  readonly catalogDir?: string;
  /** the committed rendered tree; default gitops */
  readonly outDir?: string;
  /** the image build context; default docker (its versions.json is the render's too) */
  readonly contextDir?: string;
  /** BuildKit named contexts, NAME → DIR; default serve=serve, as build-image */
  readonly namedContexts?: Readonly<Record<string, string>>;
  /** no Hub calls: fit and sizes are "not checked" */
  readonly offline?: boolean;
  /** Hub endpoint and token; HF_ENDPOINT and HF_TOKEN when not given */
  readonly hub?: Pick<HubOptions, 'endpoint' | 'token'>;
  /** all Hub lookups of the plan together end after this; later ones are "not checked" (default 5 minutes) */
  readonly hubTimeoutMs?: number;
  /** Hub lookups at once (default 8) */
  readonly hubConcurrency?: number;
  /** the catalog of catalogDir, already checked (checkCatalog): it is not read again */
  readonly catalog?: CatalogCheckResult;
  /** the previous render of outDir, already read (readPreviousRender): it is not read again */
  readonly previous?: PreviousRender;
  /** how catalog files are read when the catalog is not given (see checkCatalog) */
  readonly loadEntry?: CheckCatalogOptions['loadEntry'];
}

/**
 * What merging this pull request would do, worked out with no AWS call and no write: the catalog
 * check and fit, the image build or reuse, the models to stage and their sizes, and the rendered
 * files that change.
 */
export async function buildPlan(options: BuildPlanOptions = {}): Promise<PullRequestPlan> {
  const catalogDir = options.catalogDir ?? 'gitops/models';
  const outDir = options.outDir ?? 'gitops';
  const contextDir = options.contextDir ?? 'docker';
  const offline = options.offline ?? false;
  const hub = options.hub ?? {};

  // the catalog is checked and the committed tree read once; the render of planFiles reuses both
  const checked = options.catalog ?? (await checkCatalog(catalogDir, { loadEntry: options.loadEntry }));
  const previous = options.previous ?? (await readPreviousRender(outDir));
  const lookups = new HubLookups(options.hubConcurrency ?? DEFAULT_HUB_CONCURRENCY, options.hubTimeoutMs ?? DEFAULT_HUB_TIMEOUT_MS);
  const models = await planModels(checked.entries, { offline, hub, lookups });
  const image = await planImage({ contextDir, namedContexts: options.namedContexts ?? { serve: 'serve' }, committedImage: previous.image });
  const stagerImage = (await handPinnedStagerImage(outDir)) ?? previous.stagerImage;
  const stagingOptions = { offline, hub, lookups, ...(stagerImage === undefined ? {} : { stagerImage }) };
  const staging = await planStaging(checked.entries, previous.placements, stagingOptions);
  const files = await planFiles({ catalogDir, outDir, versionsFile: join(contextDir, 'versions.json'), catalog: checked, previous });

  const rollouts = await planRollouts(checked.entries, previous.placements, image.decision, staging, outDir);
  const planned = models.map((model) => ({ ...model, ...(rollouts.has(model.name) ? { rollout: rollouts.get(model.name)! } : {}) }));
  const catalog = { dir: catalogDir, files: checked.files.length, models: planned, diagnostics: checked.diagnostics };
  const parts = { catalog, image, staging, files };
  return { verdict: verdictOf(parts), offline, ...parts };
}

/** render-settings.yaml's staging.image, which a render uses before the previous render's; a settings problem is planFiles' to report. */
async function handPinnedStagerImage(outDir: string): Promise<string | undefined> {
  try {
    return (await loadRenderSettings(join(outDir, SETTINGS_FILE_NAME))).staging?.image;
  } catch {
    return undefined;
  }
}

/**
 * The first line a reviewer reads: the verdict (report/verdict.ts) and why, then what the merge does.
 * Catalog errors and misfits block. Image definition errors are warnings: the plan builds nothing and
 * the pull request's catalog is fine, but the deploy's build-image refuses to build until they are fixed.
 */
function verdictOf({ catalog, image, staging, files }: Omit<PullRequestPlan, 'verdict' | 'offline'>): PlanVerdict {
  const errors = catalog.diagnostics.filter((d) => d.severity === 'error').length;
  const misfits = catalog.models.filter((m) => m.fit.status === 'does-not-fit').length;
  const imageErrors = image.diagnostics.filter((d) => d.severity === 'error').length;
  const blockers = [errors > 0 ? `${errors} catalog error(s)` : '', misfits > 0 ? `${misfits} model(s) do not fit their GPUs` : ''].filter(Boolean);
  const warnings = imageErrors > 0 ? [`build-image will refuse to build until ${imageErrors} image definition error(s) are fixed`] : [];
  const does = [
    image.committedImage !== undefined && isPlaceholderImage(image.committedImage) ? `${NO_IMAGE_YET}, the first one is built` : IMAGE_WORDS[image.decision],
    staging.length === 0 ? 'nothing to stage' : `${staging.length} model(s) to stage`,
    files.status === 'not-planned' ? 'rendered files not worked out' : files.changes.length === 0 ? 'no rendered file changes' : `${files.changes.length} rendered file(s) change`,
  ];
  const verdict = decideVerdict({ blockers, warnings, ready: `Ready to merge: ${catalog.models.length} model(s) pass the catalog check`, blocked: 'Not ready' });
  return { level: verdict.level, ok: verdict.ok, headline: `${verdict.headline}; at merge: ${does.join(', ')}` };
}

const IMAGE_WORDS: Record<PullRequestPlan['image']['decision'], string> = {
  'reuse': 'image reused',
  'build': 'image rebuilt',
  'build-if-missing': 'image built unless ECR has it',
  'unknown': 'image not worked out',
};
