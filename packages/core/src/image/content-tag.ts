import { createHash } from 'node:crypto';
import type { ContextFile } from './build-context.js';

const CONTENT_TAG_SCHEME = 'ray-gitops content-tag v1';
const CONTENT_TAG_PREFIX = 'ctx-';
/** hex digits of the sha256 kept in the tag: 128 bits, collision-free in any one repository */
const TAG_HEX_DIGITS = 32;

interface ContentTagInputs {
  readonly files: readonly ContextFile[];
  /** build arguments that define the image (provenance arguments excluded) */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** the buildspec CodeBuild runs: it decides how the context becomes an image */
  readonly buildspec: string;
}

interface ContentTag {
  /** `ctx-` + the first 32 hex digits of `sha256` */
  readonly tag: string;
  readonly sha256: string;
  /** the canonical text that was hashed, one line per input; printable for debugging a tag change */
  readonly manifest: string;
}

/**
 * The tag of an image is a hash of everything that decides its content: each context file's path
 * (inside the zip), mode and sha256, sorted by path; each build argument, sorted by name; and the
 * buildspec. Timestamps, owners, the order a directory lists in, and the machine do not enter.
 * Every variable part is JSON-quoted so no value can forge a line.
 */
export function computeContentTag(inputs: ContentTagInputs): ContentTag {
  const lines = [CONTENT_TAG_SCHEME];
  lines.push(`buildspec ${sha256(inputs.buildspec)}`);
  for (const name of Object.keys(inputs.buildArgs).sort()) lines.push(`arg ${JSON.stringify(name)} ${JSON.stringify(inputs.buildArgs[name])}`);
  const files = [...inputs.files].sort((a, b) => (a.zipPath < b.zipPath ? -1 : a.zipPath > b.zipPath ? 1 : 0));
  for (const file of files) lines.push(`file ${JSON.stringify(file.zipPath)} ${file.mode.toString(8)} ${file.sha256}`);
  const manifest = `${lines.join('\n')}\n`;
  const digest = sha256(manifest);
  return { tag: `${CONTENT_TAG_PREFIX}${digest.slice(0, TAG_HEX_DIGITS)}`, sha256: digest, manifest };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
