import { StageError } from './errors.js';

/** A source offered a file name that must never become an S3 key or a log line. */
class UnsafeEntryNameError extends StageError {}

/** A name as it may be printed: JSON-quoted, so control characters show as escapes and cannot start a log line. */
export function quotedName(name: string): string {
  return JSON.stringify(name.length > 300 ? `${name.slice(0, 300)}…` : name);
}

/**
 * What is wrong with a file name from a source (archive entry, Hub tree, directory), or undefined
 * when it is a plain relative POSIX path: no leading `/`, no `.`, `..` or empty components, no
 * backslash, no control characters. These names become S3 keys and log lines verbatim.
 */
export function entryNameProblem(name: string): string | undefined {
  if (name === '') return 'an empty name';
  // C0, DEL, C1 controls and the Unicode line/paragraph separators
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return 'a control character';
  if (name.includes('\\')) return 'a backslash';
  if (name.startsWith('/')) return 'an absolute path';
  const parts = name.split('/');
  if (parts.includes('..')) return 'a .. component';
  if (parts.includes('.')) return 'a . component';
  if (parts.includes('')) return 'an empty path component';
  if (Buffer.byteLength(name) > 900) return 'more than 900 bytes (S3 keys hold 1024 with the prefix)';
  return undefined;
}

/** Throws an UnsafeEntryNameError naming the entry and what is wrong with it. */
export function requireSafeEntryName(name: string, where: string): string {
  const problem = entryNameProblem(name);
  if (problem) throw new UnsafeEntryNameError(`${where} has an entry ${quotedName(name)} with ${problem}; refusing the whole source, nothing was staged`);
  return name;
}
