/** A place in a file, 1-based, as editors and GitHub annotations count. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
}

type Severity = 'error' | 'warning';

/** One finding about user input: what is wrong, where, and (inside the message) what to do. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly location: SourceLocation;
  readonly message: string;
  /** stable identifier of the check that produced it, e.g. `catalog/unknown-field` */
  readonly code: string;
}

/** `FILE:LINE:COL: message`, the form compilers use and editors turn into links. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const { file, line, column } = diagnostic.location;
  const prefix = diagnostic.severity === 'warning' ? 'warning: ' : '';
  return `${file}:${line}:${column}: ${prefix}${diagnostic.message}`;
}

/** Sorted by file, then position, then message, so output is stable across runs and machines. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareStrings(a.location.file, b.location.file) ||
      a.location.line - b.location.line ||
      a.location.column - b.location.column ||
      compareStrings(a.message, b.message),
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
