import type { ModelSource } from '../catalog/model-entry.js';

/**
 * A stable text naming where a model's weights come from (its "source identity"): written by the
 * stager into every staged record and by the renderer onto every instance, and compared between the
 * two, so a changed catalog source is never served from an old staging. One function for both sides.
 *
 * A URL is named without its user info, query and fragment: those carry tokens and signatures
 * (presigned URLs) that must never reach the committed tree or a log. The archive's sha256, when the
 * catalog pins one, is part of the identity, so pin it when only a query string tells versions apart.
 */
export function sourceIdentity(source: ModelSource): string {
  switch (source.kind) {
    case 'huggingface':
      return `huggingface:${source.repo}@${source.revision}`;
    case 'url': {
      const url = urlWithoutSecrets(source.url);
      return source.sha256 === undefined ? `url:${url}` : `url:${url}#sha256=${source.sha256.toLowerCase()}`;
    }
    case 's3':
      return `s3:${source.uri}`;
  }
}

/** scheme://host/path: no user info, query or fragment. */
function urlWithoutSecrets(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    // the catalog check rejects such URLs; keep what is before any query so nothing secret is kept
    return url.replace(/[?#].*$/s, '');
  }
}
