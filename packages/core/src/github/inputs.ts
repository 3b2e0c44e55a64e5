import { UsageError } from '../errors/errors.js';

/** `OWNER/NAME` as GitHub allows them. */
interface RepositoryName {
  readonly owner: string;
  readonly name: string;
}

/** Parses `OWNER/NAME`; anything else (a URL, a missing half, stray characters) is a usage error. */
export function parseRepository(text: string): RepositoryName {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(text.trim());
  if (!match || match[2] === '.' || match[2] === '..') {
    throw new UsageError(`repository '${text}' must be OWNER/NAME, e.g. octo-org/ray-gitops (GITHUB_REPOSITORY in Actions)`);
  }
  return { owner: match[1]!, name: match[2]! };
}

/** A pull request number: a positive integer written in decimal digits, nothing else. */
export function parsePullNumber(value: string | number): number {
  const text = String(value).trim();
  const number = Number(text);
  if (!/^[1-9]\d{0,9}$/.test(text) || !Number.isSafeInteger(number)) {
    throw new UsageError(`pull request number '${text}' must be a positive integer`);
  }
  return number;
}

/** The hidden HTML comment that identifies a comment as ours: `<!-- NAME -->`. */
export function commentMarker(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new UsageError(`comment marker '${name}' must be letters, digits, '.', '_' or '-' (it becomes <!-- ${name} -->)`);
  }
  return `<!-- ${name} -->`;
}
