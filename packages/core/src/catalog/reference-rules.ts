import { quote } from './messages.js';

/**
 * Rules for the strings that point at weights. Each returns why the value is wrong, as a clause after
 * "…because it", or undefined when it is fine.
 */

const HF_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const HF_PART_MAX = 96;

/** A Hugging Face Hub repository id, `org/name` (the same rules as huggingface_hub's validate_repo_id). */
export function huggingFaceRepoProblem(repo: string): string | undefined {
  if (repo.startsWith('/')) return "starts with '/'";
  if (repo.includes('..')) return "contains '..'";
  if (repo.includes('--')) return "contains '--'";
  const parts = repo.split('/');
  if (parts.length !== 2 || parts.some((part) => part === '')) return 'is not of the form org/name';
  for (const part of parts) {
    if (part.length > HF_PART_MAX) return `has a part longer than ${HF_PART_MAX} characters`;
    const bad = /[^A-Za-z0-9_.-]/.exec(part);
    if (bad !== null) return `contains ${bad[0] === ' ' ? 'a space' : quote(bad[0])}`;
    if (!HF_PART.test(part)) return "has a part that starts or ends with '-' or '.'";
  }
  return undefined;
}

/** A branch or tag name as `git check-ref-format --branch` accepts it (a 40-hex commit passes too). */
export function gitRefProblem(ref: string): string | undefined {
  if (ref === '') return 'is empty';
  if (ref.length > 255) return 'is longer than 255 characters';
  if (ref.includes(' ')) return 'contains a space';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(ref)) return 'contains a control character';
  const bad = /[~^:?*[\\]/.exec(ref);
  if (bad !== null) return `contains '${bad[0]}'`;
  if (ref.includes('..')) return "contains '..'";
  if (ref.includes('@{')) return "contains '@{'";
  if (ref === '@') return "is '@'";
  if (ref.startsWith('/')) return "starts with '/'";
  if (ref.endsWith('/')) return "ends with '/'";
  if (ref.includes('//')) return "contains '//'";
  if (ref.startsWith('-')) return "starts with '-'";
  if (ref.endsWith('.')) return "ends with '.'";
  const components = ref.split('/');
  if (components.some((part) => part.startsWith('.'))) return "has a part that starts with '.'";
  if (components.some((part) => part.endsWith('.lock'))) return "has a part that ends with '.lock'";
  return undefined;
}

/** An https URL that carries no credentials. */
export function httpsUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:') return `uses ${parsed.protocol.replace(/:$/, '')} instead of https`;
  if (parsed.username !== '' || parsed.password !== '') return 'contains credentials, which must never be committed';
  if (parsed.hostname === '') return 'has no host';
  return undefined;
}

/** The URL with any user and password replaced, safe to print. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1***@');
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix/`: a valid bucket name and a prefix without empty, '.' or '..' parts. */
export function s3UriProblem(uri: string): string | undefined {
  if (!uri.startsWith('s3://')) return 'does not start with s3://';
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (!BUCKET.test(bucket) || bucket.includes('..')) return `has an invalid bucket name ${quote(bucket)}`;
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  const parts = prefix.split('/');
  if (parts.slice(0, -1).some((part) => part === '')) return "contains an empty path part ('//')";
  if (parts.some((part) => part === '.' || part === '..')) return "contains a '.' or '..' path part";
  return undefined;
}
