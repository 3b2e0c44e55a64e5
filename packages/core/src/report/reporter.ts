import type { SourceLocation } from './diagnostic.js';

/**
 * How core talks to a person. The actions implement it with @actions/core (groups, annotations,
 * masking), the CLI with plain stderr; core never knows which.
 */
export interface Reporter {
  info(message: string): void;
  warning(message: string, location?: SourceLocation): void;
  error(message: string, location?: SourceLocation): void;
  /** Runs `work` inside a named, collapsible section. */
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
  /** Registers a value that must never appear in any output (tokens, keys). */
  secret(value: string): void;
  /**
   * Optional: the state of a long operation, `fraction` done (0…1). A terminal redraws it in place;
   * without this method the caller reports the same line with info().
   */
  progress?(message: string, fraction: number): void;
}

/** A reporter that prints nothing; for library callers that only want return values. */
export const silentReporter: Reporter = {
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  group: (_title, work) => work(),
  secret: () => undefined,
};
