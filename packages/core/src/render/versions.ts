import { readFile } from 'node:fs/promises';
import { InputFileError } from '../errors/errors.js';

/**
 * The runtime versions of the Ray + vLLM image, from `docker/versions.json`: the Dockerfile builds
 * with them and the renderer writes `ray` into every RayService's `rayVersion`, so the two cannot drift.
 */
export interface RuntimeVersions {
  readonly ray: string;
  readonly vllm: string;
  readonly python: string;
  readonly cuda: string;
  /** the upstream image the build starts from, e.g. `rayproject/ray-llm:2.52.0-py311-cu128` */
  readonly baseImage: string;
}

/** Where the versions live, relative to the repository root. */
export const DEFAULT_VERSIONS_FILE = 'docker/versions.json';

const VERSION = /^\d+\.\d+\.\d+$/;
const SHORT_VERSION = /^\d+\.\d+(\.\d+)?$/;

/** Reads and checks `docker/versions.json`. */
export async function loadRuntimeVersions(file: string = DEFAULT_VERSIONS_FILE): Promise<RuntimeVersions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(
      `cannot read the runtime versions file '${file}' (${code === 'ENOENT' ? 'it does not exist' : (code ?? String(error))}); ` +
        'it is the image\'s docker/versions.json, which holds the Ray version every RayService declares; pass its path with --versions',
      { cause: error },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseRuntimeVersions(data, file);
}

/** Checks the parsed JSON of a versions file; `file` names it in messages. */
export function parseRuntimeVersions(data: unknown, file = DEFAULT_VERSIONS_FILE): RuntimeVersions {
  const record = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const field = (name: keyof RuntimeVersions, pattern: RegExp, example: string): string => {
    const value = record[name];
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new InputFileError(`${file}: "${name}" must be a string like "${example}", not ${JSON.stringify(value)}`);
    }
    return value;
  };
  const baseImage = record.baseImage;
  if (typeof baseImage !== 'string' || baseImage.trim() === '' || /\s/.test(baseImage) || /:latest(@|$)/.test(baseImage)) {
    throw new InputFileError(`${file}: "baseImage" must be an image reference with a pinned tag or digest (never :latest), not ${JSON.stringify(baseImage)}`);
  }
  return {
    ray: field('ray', VERSION, '2.52.0'),
    vllm: field('vllm', VERSION, '0.11.0'),
    python: field('python', SHORT_VERSION, '3.11'),
    cuda: field('cuda', SHORT_VERSION, '12.8'),
    baseImage,
  };
}
