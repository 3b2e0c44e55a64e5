import type { ValidationResult, ValidationSummary } from '../types.js';

/** Where a reporter writes; `process.stdout` and the CLI's streams fit. */
export interface OutputSink {
  write(text: string): unknown;
}

/**
 * A results format, kubeconform's `Output` interface: `write` is called once per result, in file
 * order, as results are produced; `flush` once at the end with the totals. Reporters stream: they
 * keep at most one file's results, so memory does not grow with the number of files.
 */
export interface ResultReporter {
  write(result: ValidationResult): void;
  flush(summary: ValidationSummary): void | Promise<void>;
}

export interface ReporterOptions {
  /** also list valid and skipped resources (text, json, tap), as kubeconform's -verbose */
  readonly verbose?: boolean;
}

/** `Kind name` or `Kind` for a result line. */
export function resultTitle(result: ValidationResult): string {
  const { kind, name } = result.resource;
  if (!kind) return `document ${result.resource.documentIndex + 1}`;
  return name ? `${kind} ${name}` : kind;
}

/** kubeconform's summary line, so scripts that parse it keep working. */
export function summaryLine(summary: ValidationSummary): string {
  const resources = summary.resources === 1 || summary.resources === 0 ? 'resource' : 'resources';
  const files = summary.files === 1 || summary.files === 0 ? 'file' : 'files';
  return (
    `Summary: ${summary.resources} ${resources} found in ${summary.files} ${files} - ` +
    `Valid: ${summary.valid}, Invalid: ${summary.invalid}, Errors: ${summary.errors}, Skipped: ${summary.skipped}`
  );
}
