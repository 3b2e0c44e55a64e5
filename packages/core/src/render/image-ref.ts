import { UsageError } from '../errors/errors.js';

/** `registry/repo[:tag]@sha256:<64 hex>`: a reference that always names the same bytes. */
const DIGEST_REF = /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?@sha256:(?<digest>[a-f0-9]{64})$/;

export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest: string;
  /** the reference as given */
  readonly ref: string;
}

/** Parses an image reference pinned by digest; anything else (a bare tag, `:latest`) is a usage error. */
export function parseImageRef(ref: string, what = 'image'): ImageRef {
  const match = DIGEST_REF.exec(ref.trim());
  if (!match?.groups) {
    const hint = /:latest$/.test(ref) ? "':latest' moves under you; " : '';
    throw new UsageError(
      `${what} '${ref}' is not pinned by digest; ${hint}pass the build-image output as repository@sha256:<64 hex digits> ` +
        '(for example 123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:…)',
    );
  }
  const { repository, tag, digest } = match.groups;
  return { repository: repository!, ...(tag ? { tag } : {}), digest: `sha256:${digest!}`, ref: ref.trim() };
}

/**
 * The digest the committed tree carries until the first image is built: all zeros, which no registry
 * holds. It keeps the RGD valid for Argo CD and the checks, and must never be shown as if it were real.
 */
const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`;

export const NO_IMAGE_YET = 'no image built yet';

/** True for a reference pinned to the all-zero placeholder digest. */
export function isPlaceholderImage(ref: string): boolean {
  return ref.trim().endsWith(`@${PLACEHOLDER_DIGEST}`);
}

/** The reference, or plainly "no image built yet" for the placeholder: what a person reads about an image. */
export function describeImageRef(ref: string): string {
  return isPlaceholderImage(ref) ? `${NO_IMAGE_YET} (the tree carries the all-zero placeholder digest; the first deploy builds the image)` : ref;
}
