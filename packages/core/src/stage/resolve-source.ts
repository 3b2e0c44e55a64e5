import { parseHfRef, resolveHuggingFace } from './hf.js';
import { resolveLocalDir } from './local-dir.js';
import type { SelectOptions } from './select.js';
import { resolveTarUrl } from './tar-url.js';
import type { ResolvedSource } from './types.js';
import type { ModelSource } from '../catalog/model-entry.js';
import { UsageError } from '../errors/errors.js';

/** What to stage, as the CLI flags, the action inputs or a catalog entry say it. */
export type SourceRequest =
  | { readonly kind: 'huggingface'; /** REPO[@REV] */ readonly ref: string }
  | { readonly kind: 'url'; readonly url: string; readonly sha256?: string }
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'catalog'; readonly name: string; readonly source: ModelSource };

export interface ResolveSourceOptions {
  readonly selection?: SelectOptions;
  /** Hugging Face token; HF_TOKEN when not given */
  readonly token?: string;
  readonly onRetry?: (message: string) => void;
  /** what a person should know about the source (links in an archive that are not staged) */
  readonly onNote?: (message: string) => void;
  /** no byte moving for this long fails a request (retried, ending within twice this); default 120 s */
  readonly timeoutMs?: number;
}

/** Resolves a request to the files, sizes and digests to stage, whichever kind of source it names. */
export async function resolveSource(request: SourceRequest, options: ResolveSourceOptions = {}): Promise<ResolvedSource> {
  const retry = {
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  const hub = { ...(options.token ? { token: options.token } : {}), ...retry };
  switch (request.kind) {
    case 'huggingface': {
      const { repo, revision } = parseHfRef(request.ref);
      return resolveHuggingFace(repo, revision, hub);
    }
    case 'dir':
      return resolveLocalDir(request.path, {
        ...(options.selection ? { selection: options.selection } : {}),
        ...(options.onNote ? { onNote: options.onNote } : {}),
      });
    case 'url':
      if (request.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(request.sha256)) {
        throw new UsageError(`the archive's sha256 must be 64 hex digits, not '${request.sha256}'`);
      }
      return resolveTarUrl(request.url, {
        ...(request.sha256 ? { sha256: request.sha256 } : {}),
        ...retry,
        ...(options.onNote ? { onNote: options.onNote } : {}),
      });
    case 'catalog': {
      const { source, name } = request;
      if (source.kind === 'huggingface') return resolveHuggingFace(source.repo, source.revision, hub);
      if (source.kind === 'url') return resolveSource({ kind: 'url', url: source.url, ...(source.sha256 ? { sha256: source.sha256 } : {}) }, options);
      throw new UsageError(`model '${name}' already lives in S3 (${source.uri}); there is nothing to stage`);
    }
  }
}
