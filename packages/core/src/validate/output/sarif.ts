import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../../report/diagnostic.js';
import type { ValidationResult, ValidationSummary } from '../types.js';
import type { OutputSink, ResultReporter } from './result-reporter.js';

/** Short descriptions of the rule ids this stage emits; checks add their own ids. */
const RULE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'schema/type': 'A field has the wrong type for its schema.',
  'schema/unknown-field': 'A field is not defined by the schema (strict mode).',
  'schema/required-field': 'A required field is missing.',
  'schema/enum': 'A field has a value the schema does not allow.',
  'schema/format': 'A string field does not have the format its schema requires.',
  'schema/pattern': 'A string field does not match the pattern its schema requires.',
  'schema/missing': 'No schema is known for the resource kind.',
  'schema/unavailable': 'The schema for the resource kind could not be loaded.',
  'schema/deprecated-version': 'The resource uses a deprecated API version.',
  'manifest/missing-kind': "A document has no 'kind'.",
  'manifest/missing-apiversion': "A document has no 'apiVersion'.",
  'manifest/not-an-object': 'A document is not a mapping.',
  'manifest/rejected-kind': 'The resource kind is not allowed.',
  'yaml/syntax': 'The file is not valid YAML or JSON.',
  'yaml/duplicate-key': 'A mapping repeats a key (strict mode).',
  'yaml/too-deep': 'The file is nested deeper than any Kubernetes object.',
  'input/unreadable': 'A path could not be read.',
};

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * SARIF 2.1.0 for GitHub code scanning: one result per finding with its rule id and region. Results
 * are streamed; the rule list (small) is collected and written after them.
 */
export function sarifReporter(sink: OutputSink, tool: { name?: string; version?: string; informationUri?: string } = {}): ResultReporter {
  const rules = new Map<string, number>();
  let count = 0;
  return {
    write(result: ValidationResult) {
      for (const diagnostic of result.diagnostics) {
        let ruleIndex = rules.get(diagnostic.code);
        if (ruleIndex === undefined) {
          ruleIndex = rules.size;
          rules.set(diagnostic.code, ruleIndex);
        }
        const prefix = count === 0 ? `{"version":"2.1.0","$schema":${JSON.stringify(SARIF_SCHEMA)},"runs":[{"results":[\n` : ',\n';
        sink.write(prefix + JSON.stringify(sarifResult(diagnostic, ruleIndex)));
        count += 1;
      }
    },
    flush(_summary: ValidationSummary) {
      if (count === 0) sink.write(`{"version":"2.1.0","$schema":${JSON.stringify(SARIF_SCHEMA)},"runs":[{"results":[`);
      const driver = {
        name: tool.name ?? 'ray-gitops validate',
        ...(tool.version ? { version: tool.version } : {}),
        ...(tool.informationUri ? { informationUri: tool.informationUri } : {}),
        rules: [...rules.keys()].map((id) => ({
          id,
          name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
          shortDescription: { text: RULE_DESCRIPTIONS[id] ?? id },
        })),
      };
      sink.write(`${count === 0 ? '' : '\n'}],"tool":{"driver":${JSON.stringify(driver)}},"columnKind":"utf16CodeUnits"}]}\n`);
    },
  };
}

function sarifResult(diagnostic: Diagnostic, ruleIndex: number): Record<string, unknown> {
  const { file, line, column, endLine, endColumn } = diagnostic.location;
  return {
    ruleId: diagnostic.code,
    ruleIndex,
    level: diagnostic.severity === 'warning' ? 'warning' : 'error',
    message: { text: diagnostic.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(file) },
          region: {
            startLine: line,
            startColumn: column,
            ...(endLine !== undefined ? { endLine } : {}),
            ...(endColumn !== undefined ? { endColumn } : {}),
          },
        },
      },
    ],
  };
}

/** Repository-relative paths stay relative (code scanning resolves them); absolute ones become file: URIs. */
function artifactUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split('\\').join('/').replace(/^\.\//, '').split('/').map(encodeURIComponent).join('/');
}
