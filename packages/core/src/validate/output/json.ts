import type { ValidationResult, ValidationSummary } from '../types.js';
import type { OutputSink, ReporterOptions, ResultReporter } from './result-reporter.js';

/**
 * `{"resources": [...], "summary": {...}}`, written as results arrive (one resource per line).
 * Lists resources that are not valid (all of them with `verbose`), as kubeconform's json output.
 */
export function jsonReporter(sink: OutputSink, options: ReporterOptions = {}): ResultReporter {
  let count = 0;
  return {
    write(result: ValidationResult) {
      if (result.status === 'empty') return;
      if (!options.verbose && (result.status === 'valid' || result.status === 'skipped')) return;
      sink.write(`${count === 0 ? '{"resources":[\n' : ',\n'}${JSON.stringify(toJson(result))}`);
      count += 1;
    },
    flush(summary: ValidationSummary) {
      sink.write(`${count === 0 ? '{"resources":[' : '\n'}],"summary":${JSON.stringify(summary)}}\n`);
    },
  };
}

function toJson(result: ValidationResult): Record<string, unknown> {
  const { resource } = result;
  return {
    filename: resource.file,
    documentIndex: resource.documentIndex,
    ...(resource.listIndex !== undefined ? { listIndex: resource.listIndex } : {}),
    apiVersion: resource.apiVersion ?? null,
    kind: resource.kind ?? null,
    name: resource.name ?? null,
    namespace: resource.namespace ?? null,
    line: resource.location.line,
    status: result.status,
    ...(result.schemaSource ? { schema: result.schemaSource } : {}),
    diagnostics: result.diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      line: d.location.line,
      column: d.location.column,
      ...(d.location.endLine !== undefined ? { endLine: d.location.endLine, endColumn: d.location.endColumn } : {}),
    })),
  };
}
