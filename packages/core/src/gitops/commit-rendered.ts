import { resolve } from 'node:path';
import { commitBack, type CommitBackResult, type RebasedContent } from './commit-back.js';
import { RebasedRenderError } from './errors.js';
import type { GitIdentity } from './git.js';
import { commitBackMessage } from './message.js';
import { validateRenderedTree, type RenderedTreeValidationOptions } from './validate-rendered.js';
import { DEFAULT_CATALOG_DIR, renderCatalog, type RenderCatalogOptions, type RenderCatalogResult } from '../render/render.js';
import { formatDiagnostic } from '../report/diagnostic.js';
import { silentReporter, type Reporter } from '../report/index.js';

/** Findings quoted in the error when a re-render fails; the rest are counted. */
const QUOTED_FINDINGS = 5;

interface CommitRenderedOptions {
  /** the directory the tree was rendered into; it must sit inside a git working tree */
  readonly outDir: string;
  readonly identity: GitIdentity;
  readonly push: boolean;
  /**
   * how `render` was made (catalog, image, staged map, settings, versions): when the branch moved
   * before the push, the tree is rendered again with these from the new tip, validated, and only
   * then pushed. Required with push.
   */
  readonly renderOptions?: RenderCatalogOptions;
  /** the pipeline's validation of that re-render; required with push */
  readonly validation?: RenderedTreeValidationOptions;
  readonly remote?: string;
  readonly branch?: string;
  /** a token for the fetch and push only (see commitBack) */
  readonly token?: string;
  readonly reporter?: Reporter;
}

/**
 * Commits what a render owns: every rendered file and the files it deleted, never the catalog or
 * anyone's other edits, with a message naming the models and the image. With push, a branch that
 * moved meanwhile is never pushed to with the old render rebased onto it: the tree is rendered again
 * from the new tip (its catalog, its previous render), validated, and that is what is pushed.
 */
export async function commitRenderedTree(render: RenderCatalogResult, options: CommitRenderedOptions): Promise<CommitBackResult> {
  if (!render.ok || !render.tree || !render.plan || !render.image) throw new Error('commitRenderedTree needs a successful render');
  if (options.push && (!options.renderOptions || !options.validation)) throw new Error('commitRenderedTree needs renderOptions and validation to push');
  const reporter = options.reporter ?? silentReporter;
  const first = renderedContent(render, options.outDir);
  const onRebased = options.push && options.renderOptions && options.validation
    ? () => renderAgain(first.paths, options.outDir, options.renderOptions!, options.validation!, reporter)
    : undefined;
  return commitBack({
    repoDir: options.outDir,
    paths: first.paths,
    identity: options.identity,
    message: first.message,
    push: options.push,
    ...(onRebased ? { onRebased } : {}),
    ...(options.remote !== undefined ? { remote: options.remote } : {}),
    ...(options.branch !== undefined ? { branch: options.branch } : {}),
    ...(options.token ? { token: options.token } : {}),
    reporter,
  });
}

/** The files a render owns (absolute: commitBack reads relative paths against repoDir, and outDir may itself be relative) and its message. */
function renderedContent(render: RenderCatalogResult, outDir: string): RebasedContent {
  const deleted = render.plan!.changes.filter((change) => change.kind === 'deleted').map((change) => change.path);
  return {
    paths: [...render.tree!.files.map((file) => file.path), ...deleted].map((path) => resolve(outDir, path)),
    message: commitBackMessage({ models: render.tree!.models.map((model) => model.name), image: render.image!.ref }),
  };
}

async function renderAgain(
  earlierPaths: readonly string[],
  outDir: string,
  renderOptions: RenderCatalogOptions,
  validation: RenderedTreeValidationOptions,
  reporter: Reporter,
): Promise<RebasedContent> {
  reporter.info('commit-back: rendering again from the new tip of the branch (its catalog and its previous render)');
  const render = await renderCatalog({ ...renderOptions, outDir, check: false, reporter });
  if (!render.ok) {
    const errors = render.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    throw new RebasedRenderError(
      `the branch moved and its catalog now has ${errors.length} error(s), so nothing was pushed: ${quote(errors.map(formatDiagnostic))}; fix the catalog and run the deploy again`,
    );
  }
  const catalogDir = renderOptions.catalogDir ?? DEFAULT_CATALOG_DIR;
  const checked = await validateRenderedTree(outDir, catalogDir, validation);
  if (!checked.ok) {
    const errors = checked.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    throw new RebasedRenderError(
      `the branch moved and the tree rendered from its new tip fails validation, so nothing was pushed: ${quote(errors.map(formatDiagnostic))}; ` +
        "run 'ray-gitops validate' on it and fix the cause",
    );
  }
  reporter.info(`commit-back: the new render validates (${checked.resources} resources)`);
  const again = renderedContent(render, outDir);
  // files of the first render that the new one no longer writes (a model removed on the new tip) are deleted, and committed as such
  return { paths: [...new Set([...earlierPaths, ...again.paths])], message: again.message };
}

function quote(findings: readonly string[]): string {
  const shown = findings.slice(0, QUOTED_FINDINGS).join('; ');
  return findings.length > QUOTED_FINDINGS ? `${shown}; and ${findings.length - QUOTED_FINDINGS} more` : shown;
}
