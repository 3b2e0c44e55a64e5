import type { ImagePlan } from './types.js';
import { RayGitopsError } from '../errors/errors.js';
import { planImageBuild, type ImageBuildPlan } from '../image/plan.js';
import { isPlaceholderImage, NO_IMAGE_YET, parseImageRef } from '../render/image-ref.js';

interface PlanImageOptions {
  /** the build context, docker/ */
  readonly contextDir: string;
  /** BuildKit named contexts, NAME → DIR, as build-image is given them (they are part of the tag) */
  readonly namedContexts: Readonly<Record<string, string>>;
  /** the image the committed render runs, when there is one */
  readonly committedImage: string | undefined;
}

/**
 * The content tag of docker/ (as `build-image --dry-run` computes it, no AWS call) and whether the
 * merge builds it: a committed image carrying the same tag is reused, another tag means docker/ changed.
 */
export async function planImage(options: PlanImageOptions): Promise<ImagePlan> {
  const { contextDir, committedImage } = options;
  const committed = committedImage === undefined ? {} : { committedImage };
  let build: ImageBuildPlan;
  try {
    // repository and project only shape the StartBuild request, which the plan does not show
    build = await planImageBuild({ contextDir, namedContexts: options.namedContexts, repository: 'ray-vllm', project: 'ray-vllm-image' });
  } catch (error) {
    if (!(error instanceof RayGitopsError)) throw error;
    return { contextDir, ...committed, decision: 'unknown', reason: `the build context cannot be read: ${error.message}`, diagnostics: [] };
  }
  const { tag } = build;
  const { files, totalBytes } = build.context;
  const known = { contextDir, tag, contextFiles: files.length, contextBytes: totalBytes, ...committed, diagnostics: [...build.diagnostics] };
  if (committedImage === undefined) {
    return { ...known, decision: 'build-if-missing', reason: `there is no committed render yet; the merge builds ${tag} unless ECR already has it` };
  }
  if (isPlaceholderImage(committedImage)) {
    return { ...known, decision: 'build', reason: `${NO_IMAGE_YET}: the committed tree carries the all-zero placeholder digest; the merge builds ${tag} and renders its digest` };
  }
  const committedTag = committedTagOf(committedImage);
  if (committedTag === tag) return { ...known, decision: 'reuse', reason: `the committed render already runs ${tag}; nothing to build` };
  if (committedTag !== undefined) {
    return { ...known, decision: 'build', reason: `the build context changed: the committed render runs ${committedTag}; the merge builds ${tag} and renders its digest` };
  }
  return {
    ...known,
    decision: 'build-if-missing',
    reason: `the committed image is pinned by digest without its content tag, so only ECR knows; the merge builds ${tag} unless ECR already has it`,
  };
}

function committedTagOf(image: string): string | undefined {
  try {
    return parseImageRef(image).tag;
  } catch {
    return undefined; // a hand-edited annotation: treat as untagged
  }
}
