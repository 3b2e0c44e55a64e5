import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { formatDiagnostic, planImageBuild, type ImageBuildPlan, type Reporter } from '@ray-gitops/core';
import { buildImageCommand, dryRunDocument } from '../commands/build-image.js';
import { defaultPath } from '../repository.js';

export interface PlannedImage {
  readonly plan: ImageBuildPlan;
  /** where the full dry-run document (the StartBuild request included) was written */
  readonly planFile: string;
  /**
   * `localhost/<repository>:<tag>@sha256:<placeholder>`: render needs a digest, and no image was built,
   * so the digest is a hash of the tag: the same docker/ content always renders the same bytes.
   */
  readonly imageRef: string;
  /** codes of the lint errors a real build stops at (e.g. image/base-not-pinned) */
  readonly errors: readonly string[];
}

/** `ray-gitops build-image --dry-run` with that command's defaults: the content tag and the StartBuild request, no AWS call. */
export async function planLocalImage(options: {
  readonly contextDir: string;
  readonly planFile: string;
  readonly reporter: Reporter;
}): Promise<PlannedImage> {
  const defaults = buildImageCommand.options;
  const plan = await planImageBuild({
    contextDir: options.contextDir,
    // build-image's default named context: serve/ as `serve`
    namedContexts: { serve: defaultPath('serve') },
    repository: defaults['ecr-repository']!.default as string,
    project: defaults['codebuild-project']!.default as string,
    sourcePrefix: defaults['source-prefix']!.default as string,
  });
  for (const diagnostic of plan.diagnostics) options.reporter.info(formatDiagnostic(diagnostic));
  await writeFile(options.planFile, `${JSON.stringify(dryRunDocument(plan), null, 2)}\n`);
  const placeholder = createHash('sha256').update(`ray-gitops placeholder digest of ${plan.repository}:${plan.tag}`).digest('hex');
  return {
    plan,
    planFile: options.planFile,
    imageRef: `localhost/${plan.repository}:${plan.tag}@sha256:${placeholder}`,
    errors: plan.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').map((diagnostic) => diagnostic.code),
  };
}
