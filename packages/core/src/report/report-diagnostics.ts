import type { Diagnostic } from './diagnostic.js';
import type { Reporter } from './reporter.js';

/** Sends each finding to the reporter at its location (annotations on the PR in Actions). */
export function reportDiagnostics(reporter: Reporter, diagnostics: readonly Diagnostic[]): void {
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'error') reporter.error(diagnostic.message, diagnostic.location);
    else reporter.warning(diagnostic.message, diagnostic.location);
  }
}
