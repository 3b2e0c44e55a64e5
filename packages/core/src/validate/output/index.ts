import { githubReporter } from './github.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import type { OutputSink, ReporterOptions, ResultReporter } from './result-reporter.js';
import { sarifReporter } from './sarif.js';
import { tapReporter } from './tap.js';
import { textReporter } from './text.js';
import { UsageError } from '../../errors/errors.js';

export * from './result-reporter.js';
export { githubReporter } from './github.js';
export { junitReporter } from './junit.js';
export { sarifReporter } from './sarif.js';
export { tapReporter } from './tap.js';
export { textReporter } from './text.js';
export { markdownSummaryReporter } from './markdown-summary.js';

export const OUTPUT_FORMATS = ['text', 'json', 'junit', 'sarif', 'github', 'tap'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The reporter for a `--format` value; a UsageError names the formats for anything else. */
export function createResultReporter(format: string, sink: OutputSink, options: ReporterOptions = {}): ResultReporter {
  switch (format as OutputFormat) {
    case 'text':
      return textReporter(sink, options);
    case 'json':
      return jsonReporter(sink, options);
    case 'junit':
      return junitReporter(sink);
    case 'sarif':
      return sarifReporter(sink);
    case 'github':
      return githubReporter(sink);
    case 'tap':
      return tapReporter(sink);
    default:
      throw new UsageError(`unknown --format '${format}'; use one of ${OUTPUT_FORMATS.join(', ')}`);
  }
}
