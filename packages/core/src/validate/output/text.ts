import { formatDiagnostic } from '../../report/diagnostic.js';
import type { ValidationResult, ValidationSummary } from '../types.js';
import { resultTitle, summaryLine, type OutputSink, type ReporterOptions, type ResultReporter } from './result-reporter.js';

/** One `FILE:LINE:COL: message` line per finding, then kubeconform's summary line. */
export function textReporter(sink: OutputSink, options: ReporterOptions = {}): ResultReporter {
  return {
    write(result: ValidationResult) {
      for (const diagnostic of result.diagnostics) sink.write(`${formatDiagnostic(diagnostic)}\n`);
      if (!options.verbose) return;
      if (result.status === 'valid') sink.write(`${result.resource.file} - ${resultTitle(result)} is valid\n`);
      if (result.status === 'skipped') sink.write(`${result.resource.file} - ${resultTitle(result)} skipped\n`);
    },
    flush(summary: ValidationSummary) {
      sink.write(`${summaryLine(summary)}\n`);
    },
  };
}
