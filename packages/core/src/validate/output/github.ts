import type { Diagnostic } from '../../report/diagnostic.js';
import type { ValidationResult, ValidationSummary } from '../types.js';
import { summaryLine, type OutputSink, type ResultReporter } from './result-reporter.js';

/**
 * GitHub Actions workflow commands: an `::error`/`::warning` annotation on the exact file, line and
 * column of every finding, titled with its rule id, then the summary as a plain line.
 */
export function githubReporter(sink: OutputSink): ResultReporter {
  return {
    write(result: ValidationResult) {
      for (const diagnostic of result.diagnostics) sink.write(`${workflowCommand(diagnostic)}\n`);
    },
    flush(summary: ValidationSummary) {
      sink.write(`${summaryLine(summary)}\n`);
    },
  };
}

function workflowCommand(diagnostic: Diagnostic): string {
  const { file, line, column, endLine, endColumn } = diagnostic.location;
  const properties = [
    `file=${escapeProperty(file)}`,
    `line=${line}`,
    `col=${column}`,
    ...(endLine !== undefined ? [`endLine=${endLine}`] : []),
    ...(endColumn !== undefined && endLine === line ? [`endColumn=${endColumn}`] : []),
    `title=${escapeProperty(diagnostic.code)}`,
  ].join(',');
  return `::${diagnostic.severity} ${properties}::${escapeData(diagnostic.message)}`;
}

// the escaping rules of @actions/core's command.ts
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
