import { formatDiagnostic } from '../../report/diagnostic.js';
import type { ValidationResult, ValidationSummary } from '../types.js';
import { resultTitle, type OutputSink, type ResultReporter } from './result-reporter.js';

/**
 * JUnit XML: one `<testsuite>` per file, one `<testcase>` per resource; invalid resources are
 * failures, errors are errors, skipped ones `<skipped/>`. A file's suite is written when the next
 * file starts, so only one file's results are held.
 */
export function junitReporter(sink: OutputSink): ResultReporter {
  let file: string | undefined;
  let cases: ValidationResult[] = [];
  let suiteIndex = 0;
  const flushSuite = () => {
    if (file === undefined) return;
    const failures = cases.filter((c) => c.status === 'invalid').length;
    const errors = cases.filter((c) => c.status === 'error').length;
    const skipped = cases.filter((c) => c.status === 'skipped').length;
    sink.write(
      `  <testsuite name="${xml(file)}" id="${suiteIndex}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n`,
    );
    for (const result of cases) sink.write(testcase(result));
    sink.write('  </testsuite>\n');
    suiteIndex += 1;
    cases = [];
  };
  return {
    write(result: ValidationResult) {
      if (suiteIndex === 0 && file === undefined) sink.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ray-gitops validate">\n');
      if (result.resource.file !== file) {
        flushSuite();
        file = result.resource.file;
      }
      if (result.status !== 'empty') cases.push(result);
    },
    flush(_summary: ValidationSummary) {
      if (suiteIndex === 0 && file === undefined) sink.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ray-gitops validate">\n');
      flushSuite();
      sink.write('</testsuites>\n');
    },
  };
}

function testcase(result: ValidationResult): string {
  const { apiVersion = '', kind = '' } = result.resource;
  const open = `    <testcase name="${xml(resultTitle(result))}" classname="${xml(`${apiVersion}/${kind}`)}"`;
  const text = result.diagnostics.map(formatDiagnostic).join('\n');
  const first = result.diagnostics.find((d) => d.severity === 'error');
  switch (result.status) {
    case 'invalid':
      return `${open}>\n      <failure message="${xml(first?.message ?? 'invalid')}" type="${xml(first?.code ?? 'invalid')}">${xml(text)}</failure>\n    </testcase>\n`;
    case 'error':
      return `${open}>\n      <error message="${xml(first?.message ?? 'error')}" type="${xml(first?.code ?? 'error')}">${xml(text)}</error>\n    </testcase>\n`;
    case 'skipped':
      return `${open}>\n      <skipped/>\n    </testcase>\n`;
    default:
      return `${open}/>\n`;
  }
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}
