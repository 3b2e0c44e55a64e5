import type { PathSegment } from './messages.js';

/**
 * A problem in a parsed entry, placed by its path in the document rather than by line and column;
 * yaml-locate.ts turns it into a Diagnostic once all checks have run.
 */
export interface Finding {
  readonly code: string;
  readonly message: string;
  readonly path: readonly PathSegment[];
  /**
   * `key`: the key that ends `path` (unknown fields, the parent of a missing field; the top of the
   * document when `path` is empty). `value`: the value at `path`.
   */
  readonly at: 'key' | 'value';
}
