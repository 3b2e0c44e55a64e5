import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { editVersionsText, isImageVersionKey } from './versions.js';
import { InputFileError } from '../errors/index.js';
import { resolveTag, type RegistryClientOptions } from '../registry/client.js';
import { parseImageReference, withDigest } from '../registry/reference.js';
import { silentReporter, type Reporter } from '../report/index.js';

/** What `pin` found for one image of versions.json. */
interface PinnedImage {
  readonly key: string;
  /** the value as the file had it */
  readonly before: string;
  /** `name:tag@sha256:…` as the tag resolves now */
  readonly after: string;
  /**
   * `unpinned`: the file had no digest; `moved`: the tag now points at another digest;
   * `current`: the file already pins what the tag points at; `digest-only`: no tag to follow.
   */
  readonly status: 'unpinned' | 'moved' | 'current' | 'digest-only';
  readonly multiPlatform?: boolean;
}

export interface PinOptions extends RegistryClientOptions {
  /** true: write nothing, only report what `pin` would change */
  readonly check?: boolean;
  /** values to set besides the digests (bump sets ray, vllm, … in the same write) */
  readonly alsoSet?: Readonly<Record<string, string>>;
  readonly reporter?: Reporter;
}

export interface PinResult {
  readonly file: string;
  readonly images: readonly PinnedImage[];
  /** true when the file was rewritten */
  readonly written: boolean;
}

/**
 * Resolves the tag of every image in a versions file through its registry and pins it as
 * `tag@sha256:<index digest>`. Every tag is resolved before anything is written, so a registry that
 * fails leaves the file as it was; the write changes only the image values (and `alsoSet`'s).
 */
export async function pinVersionsFile(file: string, options: PinOptions = {}): Promise<PinResult> {
  const reporter = options.reporter ?? silentReporter;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot read the versions file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); pass its path with --versions`, { cause: error });
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new InputFileError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new InputFileError(`${file} must hold a JSON object`);
  const values: Record<string, unknown> = { ...data, ...options.alsoSet };

  const images: PinnedImage[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith('$') || typeof value !== 'string' || !isImageVersionKey(key)) continue;
    const before = typeof data[key] === 'string' ? (data[key] as string) : value;
    const reference = parseImageReference(value);
    if (reference.tag === undefined) {
      images.push({ key, before, after: value, status: 'digest-only' });
      continue;
    }
    reporter.info(`resolving ${key}: ${reference.registry}/${reference.repository}:${reference.tag}`);
    const resolved = await resolveTag(reference, options);
    const after = withDigest(reference, resolved.digest);
    const status = reference.digest === undefined ? 'unpinned' : reference.digest === resolved.digest ? 'current' : 'moved';
    images.push({ key, before, after, status, multiPlatform: resolved.multiPlatform });
  }
  if (images.length === 0) reporter.warning(`${file} names no image (no key ending in Image); nothing to pin`);

  const changes: Record<string, string> = { ...options.alsoSet };
  for (const image of images) changes[image.key] = image.after;
  for (const [key, value] of Object.entries(changes)) if (data[key] === value) delete changes[key];
  if (options.check || Object.keys(changes).length === 0) return { file, images, written: false };
  const edited = editVersionsText(text, file, changes);
  // a temporary file renamed over the original: never a half-written versions.json
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, edited);
  await rename(temporary, file);
  return { file, images, written: true };
}
