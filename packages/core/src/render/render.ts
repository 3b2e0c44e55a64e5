import { join } from 'node:path';
import { describeImageRef, isPlaceholderImage, parseImageRef, type ImageRef } from './image-ref.js';
import { readPreviousRender, type PreviousRender } from './previous.js';
import { loadRenderSettings, SETTINGS_FILE_NAME } from './settings.js';
import { renderTree, type RenderTreeResult } from './tree.js';
import { DEFAULT_VERSIONS_FILE, loadRuntimeVersions } from './versions.js';
import { writeRenderedFiles, type WritePlan } from './writer.js';
import { checkCatalog, type CatalogCheckResult, type CheckCatalogOptions } from '../catalog/check-catalog.js';
import { ENGINE_ARGS_VLLM_VERSION } from '../catalog/vllm-engine-args.js';
import { UsageError } from '../errors/errors.js';
import type { Diagnostic } from '../report/diagnostic.js';
import { silentReporter, type Reporter } from '../report/reporter.js';
import { decideVerdict, VERDICT_MARKS, verdictLine } from '../report/verdict.js';
import { matchStagedRecords, type StagedRecord } from '../staged/record.js';

export const DEFAULT_CATALOG_DIR = 'gitops/models';
export const DEFAULT_OUT_DIR = 'gitops';

export interface RenderCatalogOptions {
  readonly catalogDir?: string;
  readonly outDir?: string;
  /** repository@sha256:…; when absent, the image of the previous render in outDir is kept */
  readonly image?: string;
  /**
   * the stager image (docker/stager), repository@sha256:…; when absent, render-settings.yaml's
   * staging.image, else the previous render's stager image is kept
   */
  readonly stagerImage?: string;
  /** staged records (parseStagedRecords): by model name, or matched to entries by source identity */
  readonly staged?: readonly StagedRecord[];
  /** default `<outDir>/render-settings.yaml` */
  readonly settingsFile?: string;
  /** default `docker/versions.json` */
  readonly versionsFile?: string;
  /** write nothing; report what would change */
  readonly check?: boolean;
  readonly reporter?: Reporter;
  /** the catalog of catalogDir, already checked (checkCatalog): it is not read again */
  readonly catalog?: CatalogCheckResult;
  /** the previous render of outDir, already read (readPreviousRender): it is not read again */
  readonly previous?: PreviousRender;
  /** how catalog files are read when the catalog is not given (see checkCatalog) */
  readonly loadEntry?: CheckCatalogOptions['loadEntry'];
}

export type StagerImageOrigin = 'argument' | 'settings' | 'previous-render';

export interface RenderCatalogResult {
  /** false when the catalog has errors: nothing was rendered or written */
  readonly ok: boolean;
  /** the catalog check's findings */
  readonly diagnostics: Diagnostic[];
  readonly tree?: RenderTreeResult;
  readonly plan?: WritePlan;
  readonly image?: ImageRef;
  /** where the image came from: the argument, or kept from the previous render */
  readonly imageOrigin?: 'argument' | 'previous-render';
  /** the stager image, when one is known */
  readonly stagerImage?: ImageRef;
  readonly stagerImageOrigin?: StagerImageOrigin;
  /** true when files were written or deleted (never with check) */
  readonly written: boolean;
}

/**
 * catalog → checked entries → rendered tree → output directory: the whole `ray-gitops render`.
 * A catalog with errors renders nothing (a partial tree would delete the broken models' files).
 */
export async function renderCatalog(options: RenderCatalogOptions = {}): Promise<RenderCatalogResult> {
  const reporter = options.reporter ?? silentReporter;
  const catalogDir = options.catalogDir ?? DEFAULT_CATALOG_DIR;
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const settings = await loadRenderSettings(options.settingsFile ?? join(outDir, SETTINGS_FILE_NAME));
  const versions = await loadRuntimeVersions(options.versionsFile ?? DEFAULT_VERSIONS_FILE);

  if (versions.vllm !== ENGINE_ARGS_VLLM_VERSION) {
    reporter.warning(
      `the image runs vLLM ${versions.vllm}, but serving.engineArgs are checked against the engine arguments of vLLM ${ENGINE_ARGS_VLLM_VERSION}; ` +
        'a key that version lacks passes the check and fails at startup (the table is packages/core/src/catalog/vllm-engine-args.ts)',
    );
  }
  const catalog = options.catalog ?? (await reporter.group(`Catalog check of ${catalogDir}`, () => checkCatalog(catalogDir, { loadEntry: options.loadEntry })));
  if (catalog.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
    return { ok: false, diagnostics: catalog.diagnostics, written: false };
  }
  if (catalog.files.length === 0) reporter.warning(`no catalog entries (*.yaml) in ${catalogDir}: the tree is rendered with no models`);

  const previous = options.previous ?? (await readPreviousRender(outDir));
  let image: ImageRef;
  let imageOrigin: 'argument' | 'previous-render';
  if (options.image !== undefined) {
    image = parseImageRef(options.image);
    imageOrigin = 'argument';
  } else if (previous.image !== undefined) {
    image = parseImageRef(previous.image);
    imageOrigin = 'previous-render';
  } else {
    throw new UsageError(`there is no earlier render in '${outDir}' to keep the image from; pass --image repository@sha256:<digest> (the build-image output)`);
  }

  const stager = resolveStagerImage(options.stagerImage, settings.staging?.image, previous.stagerImage);

  const entries = catalog.entries.map((item) => item.entry);
  const staged = options.staged ? matchStagedRecords(options.staged, entries) : undefined;
  for (const warning of staged?.warnings ?? []) reporter.warning(warning);
  const tree = renderTree({
    entries,
    image,
    ...(stager ? { stagerImage: stager.image } : {}),
    settings,
    versions,
    ...(staged ? { staged: staged.staged } : {}),
    previous: previous.placements,
  });
  for (const warning of tree.warnings) reporter.warning(warning);

  const plan = await writeRenderedFiles(outDir, tree.files, { check: options.check ?? false, exclude: [catalogDir] });
  return {
    ok: true,
    diagnostics: catalog.diagnostics,
    tree,
    plan,
    image,
    imageOrigin,
    ...(stager ? { stagerImage: stager.image, stagerImageOrigin: stager.origin } : {}),
    written: !options.check && plan.changes.length > 0,
  };
}

/**
 * The stager image, the way the Ray image is chosen: the build's (--stager-image) first, then a hand pin
 * in render-settings.yaml (already checked there), then the one the previous render recorded on the RGD.
 * Unknown is not an error here: only a model staged in the cluster needs one, and says so.
 */
function resolveStagerImage(
  argument: string | undefined,
  setting: string | undefined,
  previous: string | undefined,
): { image: ImageRef; origin: StagerImageOrigin } | undefined {
  if (argument !== undefined) return { image: parseImageRef(argument, 'stager image'), origin: 'argument' };
  if (setting !== undefined) return { image: parseImageRef(setting, 'stager image'), origin: 'settings' };
  if (previous !== undefined) return { image: parseImageRef(previous, 'stager image'), origin: 'previous-render' };
  return undefined;
}

/** The job summary of a render: what changed, and where each model's weights come from. */
export function renderSummaryMarkdown(result: RenderCatalogResult, options: { outDir: string; check: boolean }): string {
  if (!result.ok || !result.tree || !result.plan) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    return `## Render: ${VERDICT_MARKS.blocked} not rendered\n\nThe catalog has ${errors} error(s); fix them and render again.\n`;
  }
  const { plan, tree } = result;
  const verb = options.check ? 'would change' : 'changed';
  const pending = tree.models.filter((model) => model.placement.source === '').length;
  // a stale tree fails the check; models not staged yet render (without a RayService) and wait for prestage
  const verdict = decideVerdict({
    blockers: options.check && plan.changes.length > 0 ? [`${plan.changes.length} file(s) ${verb}`] : [],
    warnings: pending > 0 ? [`${pending} model(s) not staged yet`] : [],
    ready: plan.changes.length === 0 ? 'up to date' : `${plan.changes.length} file(s) ${verb}`,
    blocked: 'stale',
  });
  const lines = [
    `## Render${options.check ? ' check' : ''}: ${verdictLine(verdict)}`,
    '',
    `${isPlaceholderImage(result.image!.ref) ? `Image: ${describeImageRef(result.image!.ref)}` : `Image \`${result.image!.ref}\``}${result.imageOrigin === 'previous-render' ? ' (kept from the previous render)' : ''}; ${tree.models.length} model(s); ${plan.unchanged} file(s) unchanged in \`${options.outDir}\`.`,
    '',
  ];
  if (result.stagerImage) {
    const kept = { 'argument': '', 'settings': ' (from render-settings.yaml)', 'previous-render': ' (kept from the previous render)' }[result.stagerImageOrigin ?? 'argument'];
    lines.push(`Stager image: ${isPlaceholderImage(result.stagerImage.ref) ? describeImageRef(result.stagerImage.ref) : `\`${result.stagerImage.ref}\``}${kept}.`, '');
  }
  if (plan.changes.length > 0) {
    lines.push('| file | change |', '|---|---|');
    for (const change of plan.changes) lines.push(`| \`${options.outDir}/${change.path}\` | ${change.kind} |`);
    lines.push('');
  }
  if (tree.models.length > 0) {
    lines.push('| model | weights | commit |', '|---|---|---|');
    for (const model of tree.models) {
      const { placement } = model;
      const where = placement.source === '' ? 'not staged yet (no RayService)' : `\`${placement.source}\``;
      lines.push(`| \`${model.name}\` | ${where} | ${placement.commit === '' ? '—' : `\`${placement.commit}\``} |`);
    }
    lines.push('');
  }
  if (tree.warnings.length > 0) lines.push('### Notes', '', ...tree.warnings.map((warning) => `- ${warning}`), '');
  return lines.join('\n');
}
