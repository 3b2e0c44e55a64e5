import { formatDiagnostic, type Diagnostic } from '../../report/diagnostic.js';
import { decideVerdict, verdictLine } from '../../report/verdict.js';
import type { ValidationResult, ValidationSummary } from '../types.js';
import type { OutputSink, ResultReporter } from './result-reporter.js';

/** A job summary lists this many findings at most; the annotations carry every one of them. */
const SUMMARY_FINDINGS_LIMIT = 50;

/**
 * The job summary of a validation run: the totals as a table, then the first findings with their rule
 * ids. Keeps at most SUMMARY_FINDINGS_LIMIT findings, so memory stays flat in the number of files.
 */
export function markdownSummaryReporter(sink: OutputSink, title = 'Manifest validation'): ResultReporter {
  const findings: Diagnostic[] = [];
  let omitted = 0;
  let warnings = 0;
  return {
    write(result: ValidationResult) {
      for (const diagnostic of result.diagnostics) {
        if (diagnostic.severity === 'warning') warnings++;
        if (findings.length < SUMMARY_FINDINGS_LIMIT) findings.push(diagnostic);
        else omitted++;
      }
    },
    flush(summary: ValidationSummary) {
      const failed = summary.invalid + summary.errors;
      const verdict = decideVerdict({
        blockers: summary.ok ? [] : [`${failed} resource(s) failed`],
        warnings: warnings > 0 ? [`${warnings} warning(s)`] : [],
        ready: 'passed',
        blocked: 'failed',
      });
      const lines = [
        `## ${title}: ${verdictLine(verdict)}`,
        '',
        '| files | resources | valid | invalid | errors | skipped |',
        '|---:|---:|---:|---:|---:|---:|',
        `| ${summary.files} | ${summary.resources} | ${summary.valid} | ${summary.invalid} | ${summary.errors} | ${summary.skipped} |`,
        '',
      ];
      if (findings.length > 0) {
        lines.push('| rule | finding |', '|---|---|');
        for (const finding of findings) lines.push(`| \`${finding.code}\` | ${escapeCell(formatDiagnostic(finding))} |`);
        if (omitted > 0) lines.push('', `…and ${omitted} more; every finding is annotated on its line.`);
        lines.push('');
      }
      sink.write(lines.join('\n'));
    },
  };
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
