import type { ValidationResult, ValidationSummary } from '../types.js';
import type { OutputSink, ResultReporter } from './result-reporter.js';

/** Test Anything Protocol, as kubeconform's `-output tap`: one `ok`/`not ok` line per resource. */
export function tapReporter(sink: OutputSink): ResultReporter {
  let count = 0;
  return {
    write(result: ValidationResult) {
      if (result.status === 'empty') return;
      if (count === 0) sink.write('TAP version 13\n');
      count += 1;
      const { file, apiVersion = '', kind = '', namespace = '', name = '' } = result.resource;
      const id = `${file} (${apiVersion}/${kind}/${namespace}/${name})`;
      const ok = result.status === 'valid' || result.status === 'skipped';
      const detail = result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join(' - ');
      const skip = result.status === 'skipped' ? ' # skip' : '';
      sink.write(`${ok ? 'ok' : 'not ok'} ${count} - ${id}${detail ? ` - ${detail}` : ''}${skip}\n`);
    },
    flush(_summary: ValidationSummary) {
      if (count === 0) sink.write('TAP version 13\n');
      sink.write(`1..${count}\n`);
    },
  };
}
