import { decideVerdict, displayPath, formatBytes, verdictLine, type Verdict } from '@ray-gitops/core';
import type { PipelineResult } from './run-pipeline.js';
import { stagedReport } from '../commands/prestage.js';

const LABEL_WIDTH = 10;

/** What a person reads at the end of `ray-gitops pipeline`: one line per step, at most 20 lines. */
export function formatSummary(result: PipelineResult, options: { readonly crds: readonly string[] }): string[] {
  const lines: string[] = [headline(result)];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(LABEL_WIDTH)}${text}`);
  const { catalog, bucket, staged, image, render, validation, failure, paths } = result;

  if (catalog) {
    const problems = catalog.errors + catalog.warnings === 0 ? 'no problems' : `${catalog.errors} error(s), ${catalog.warnings} warning(s) (listed above)`;
    row('catalog', `${displayPath(catalog.dir)}: ${catalog.entries} entries, ${problems}`);
  }
  if (bucket) row('bucket', `s3://${bucket.name} on ${bucket.endpoint} (embedded s3rver, stopped), data in ${displayPath(paths.s3Data)}`);
  if (staged) {
    const { result: stage, sha256Verified } = staged;
    const files = stage.files.length;
    const uploaded = stage.files.filter((file) => file.action !== 'skipped').length;
    row('model', stage.s3Uri);
    row(
      '',
      stage.alreadyStaged
        ? `already staged: ${files} files, ${formatBytes(stage.totalBytes)}, nothing uploaded; sha256 verified ${sha256Verified}/${files}`
        : `${files} files, ${formatBytes(stage.totalBytes)}: ${uploaded} uploaded (${formatBytes(stage.bytesUploaded)}), ${files - uploaded} skipped; sha256 verified ${sha256Verified}/${files}`,
    );
  }
  if (image) {
    const { plan, errors } = image;
    row('image', `${plan.repository}:${plan.tag} planned, not built (no AWS call); StartBuild request in ${displayPath(image.planFile)}`);
    if (errors.length > 0) row('', `${errors.length} lint error(s) a real build stops at, fix before deploying (listed above): ${[...new Set(errors)].join(', ')}`);
    row('', `rendered as ${image.imageRef.replace(/@sha256:([0-9a-f]{12})[0-9a-f]+$/, '@sha256:$1…')}, a placeholder digest derived from the tag`);
  }
  if (render?.result.plan && render.result.tree) {
    const { plan, tree } = render.result;
    const deleted = plan.changes.filter((change) => change.kind === 'deleted').length;
    const pending = tree.models.filter((model) => model.placement.source === '').length;
    row(
      'render',
      `${displayPath(paths.out)}: ${plan.changes.length - deleted} written, ${deleted} deleted, ${plan.unchanged} unchanged; ` +
        `${tree.models.length} models${pending > 0 ? `, ${pending} not staged (rendered without a RayService)` : ''}${render.settingsSeeded ? '; settings copied from gitops/' : ''}`,
    );
  }
  if (validation) {
    const { summary, unchecked, uncheckedTemplates } = validation;
    const verdict = summary.ok ? 'passed' : `FAILED (${summary.invalid} invalid, ${summary.errors} errors; listed above)`;
    row('validate', `${verdict}: ${summary.resources} resources in ${summary.files} files, ${summary.valid} schema-checked and valid, policy and kro checks run`);
    if (unchecked.length > 0 || uncheckedTemplates > 0) {
      const resources = unchecked.reduce((sum, kind) => sum + kind.count, 0);
      const kinds = unchecked.map((kind) => (kind.count > 1 ? `${kind.kind} ×${kind.count}` : kind.kind)).join(', ');
      const where = options.crds.length > 0 ? 'the --crds given and the schema cache lack them' : 'the schema cache lacks them';
      row('', `${resources} resources of ${unchecked.length} kinds not schema-checked offline (${where}): ${kinds}${uncheckedTemplates > 0 ? `; ${uncheckedTemplates} RGD templates too` : ''}`);
      row('', "CI checks them against the upstream CRDs; 'ray-gitops schemas fetch' (or 'schemas import DIR') checks them here");
    }
    if (validation.argoRepoRoot === undefined) row('', "Argo CD source paths were checked against the working directory, as --out does not end in the settings' path");
  }
  if (failure) {
    row(failure.interrupted ? 'stopped' : 'FAILED', `step '${failure.step}': ${failure.message}`);
    row('', `what to do: ${failure.hint}`);
  } else {
    row('state', `${displayPath(paths.state)}/: sample model, catalog (with the sample entry), build plan, bucket data`);
    row('next', `review ${displayPath(paths.out)}/; the committed gitops/ is rendered on AWS: ray-gitops build-image, prestage --model pending, render --image --staged`);
  }
  return lines;
}

function headline(result: PipelineResult): string {
  if (result.failure?.interrupted) return `ray-gitops pipeline: interrupted in ${result.seconds.toFixed(1)} s`;
  return `ray-gitops pipeline: ${verdictLine(pipelineVerdict(result))}`;
}

/** The verdict (core's decideVerdict): failed steps and findings block; image lint errors are warnings, as nothing is built here. */
export function pipelineVerdict(result: PipelineResult): Verdict {
  const time = `in ${result.seconds.toFixed(1)} s`;
  const lintErrors = result.image?.errors.length ?? 0;
  return decideVerdict({
    blockers: result.failure ? [`step '${result.failure.step}' ${result.failure.interrupted ? 'interrupted' : 'failed'}`] : result.ok ? [] : ['problems found (listed above)'],
    warnings: lintErrors > 0 ? [`${lintErrors} image lint error(s) would stop a real build (see image)`] : [],
    ready: `ready ${time}`,
    blocked: `blocked ${time}`,
  });
}

/** The same result for machines (`--json`). */
export function summaryDocument(result: PipelineResult, options: { readonly crds: readonly string[] }): Record<string, unknown> {
  const { catalog, bucket, sample, staged, entry, image, render, validation, failure, paths } = result;
  const plan = render?.result.plan;
  const verdict = pipelineVerdict(result);
  return {
    ok: result.ok,
    verdict: { level: verdict.level, headline: verdict.headline },
    seconds: Number(result.seconds.toFixed(3)),
    ...(failure ? { failure } : {}),
    paths,
    ...(catalog ? { catalog } : {}),
    ...(bucket ? { bucket: { ...bucket, dataDir: paths.s3Data } } : {}),
    ...(sample ? { sample } : {}),
    ...(staged ? { staged: { ...stagedReport(staged.result), sha256Verified: staged.sha256Verified } } : {}),
    ...(entry ? { entry: { name: entry.name, file: `${paths.catalog}/${entry.name}.yaml` } } : {}),
    ...(image
      ? {
        image: {
          tag: image.plan.tag,
          image: `${image.plan.repository}:${image.plan.tag}`,
          renderedImage: image.imageRef,
          placeholderDigest: true,
          planFile: image.planFile,
          startBuild: { projectName: image.plan.startBuild.projectName, sourceLocation: image.plan.startBuild.sourceLocationOverride },
          lintErrors: image.errors,
        },
      }
      : {}),
    ...(render && plan
      ? {
        render: {
          outDir: paths.out,
          changes: plan.changes,
          unchanged: plan.unchanged,
          models: render.result.tree!.models.map((model) => ({ name: model.name, weights: model.placement.source, origin: model.placement.origin })),
          settingsSeeded: render.settingsSeeded,
        },
      }
      : {}),
    ...(validation
      ? {
        validation: {
          ...validation.summary,
          unchecked: validation.unchecked,
          uncheckedTemplates: validation.uncheckedTemplates,
          crds: options.crds,
          argoRepoRoot: validation.argoRepoRoot ?? null,
        },
      }
      : {}),
  };
}
