import { pinVersionsFile, type PinOptions, type PinResult } from './pin.js';
import { UsageError } from '../errors/index.js';
import { parseImageReference } from '../registry/reference.js';
import { loadRuntimeVersions, type RuntimeVersions } from '../render/versions.js';

/**
 * The vLLM each Ray release's ray-llm image ships, as far as ray-gitops knows it. Add a row when a Ray
 * release is adopted (its release notes and the image's `pip show vllm` say which); a Ray version
 * missing here needs `bump --vllm`. Sources: 2.52.0 is the pairing this repository builds and tests;
 * 2.59.0 from the Ray 2.59.0 release notes (github.com/ray-project/ray/releases, 2026-10-02).
 */
const RAY_LLM_VLLM: Readonly<Record<string, string>> = {
  '2.52.0': '0.11.0',
  '2.59.0': '0.27.0',
};

/** Python and CUDA of the rayproject/ray-llm image of a Ray release, and its tag suffix. */
interface RayLlmVariant {
  readonly python: string;
  readonly cuda: string;
  /** e.g. `py311-cu128`: the tag is `<ray>-<suffix>` */
  readonly tagSuffix: string;
}

/**
 * ray-llm is published as py311-cu128 up to Ray 2.55 and as py312-cu130 from 2.56 on (the ray-llm
 * Dockerfile: "ray-llm supports Python 3.12 only"). Tags from 2.57 on follow that Dockerfile.
 */
function rayLlmVariant(ray: string): RayLlmVariant {
  const [major, minor] = ray.split('.').map(Number) as [number, number];
  return major > 2 || (major === 2 && minor >= 56)
    ? { python: '3.12', cuda: '13.0', tagSuffix: 'py312-cu130' }
    : { python: '3.11', cuda: '12.8', tagSuffix: 'py311-cu128' };
}

interface BumpOptions extends Omit<PinOptions, 'check' | 'alsoSet'> {
  readonly ray: string;
  /** the vLLM version; default from RAY_LLM_VLLM */
  readonly vllm?: string;
}

interface BumpResult {
  readonly before: RuntimeVersions;
  readonly after: RuntimeVersions;
  readonly pin: PinResult;
}

/**
 * Moves Ray, the base image tag and vLLM (with Python and CUDA, which the tag decides) together in
 * one write of the versions file, the new tag pinned by digest; nothing is written when the tag
 * cannot be resolved.
 */
export async function bumpRay(versionsFile: string, options: BumpOptions): Promise<BumpResult> {
  if (!/^\d+\.\d+\.\d+$/.test(options.ray)) throw new UsageError(`--ray must be a Ray release such as 2.59.0, not '${options.ray}'`);
  if (options.vllm !== undefined && !/^\d+\.\d+\.\d+$/.test(options.vllm)) throw new UsageError(`--vllm must be a version such as 0.27.0, not '${options.vllm}'`);
  const vllm = options.vllm ?? RAY_LLM_VLLM[options.ray];
  if (vllm === undefined) {
    throw new UsageError(
      `ray-gitops does not know which vLLM the Ray ${options.ray} image ships (known: ${Object.keys(RAY_LLM_VLLM).join(', ')}); ` +
        'pass --vllm X.Y.Z from that Ray release\'s notes',
    );
  }
  const before = await loadRuntimeVersions(versionsFile);
  const variant = rayLlmVariant(options.ray);
  const base = parseImageReference(before.baseImage);
  const baseImage = `${base.name}:${options.ray}-${variant.tagSuffix}`;
  const after: RuntimeVersions = { ray: options.ray, vllm, python: variant.python, cuda: variant.cuda, baseImage };
  const { ray: _ray, vllm: _vllm, ...pinOptions } = options;
  const pin = await pinVersionsFile(versionsFile, {
    ...pinOptions,
    alsoSet: { ray: after.ray, vllm: after.vllm, python: after.python, cuda: after.cuda, baseImage: after.baseImage },
  });
  const pinnedBase = pin.images.find((image) => image.key === 'baseImage')?.after ?? baseImage;
  return { before, after: { ...after, baseImage: pinnedBase }, pin };
}
