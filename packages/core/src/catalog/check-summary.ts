import type { CatalogCheckResult } from './check-catalog.js';
import type { ModelSource } from './model-entry.js';
import { formatDiagnostic } from '../report/diagnostic.js';
import { decideVerdict, verdictLine } from '../report/verdict.js';

/** The job summary of a catalog check: which models are in, and what blocks the rest. */
export function renderCatalogCheckSummary(dir: string, result: CatalogCheckResult): string {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = result.diagnostics.length - errors.length;
  const verdict = decideVerdict({ blockers: errors.length > 0 ? [`${errors.length} error(s)`] : [], warnings: warnings > 0 ? [`${warnings} warning(s)`] : [], ready: 'passed', blocked: 'failed' });
  const lines = [
    `## Catalog check: ${verdictLine(verdict)}`,
    '',
    `${result.files.length} file(s) in \`${dir}\`, ${result.entries.length} valid model(s).`,
    '',
  ];
  if (result.entries.length > 0) {
    lines.push('| model | source | GPU per replica | max model len |', '|---|---|---|---|');
    for (const { entry } of result.entries) {
      const { gpu, maxModelLen } = entry.serving;
      lines.push(`| \`${entry.name}\` | ${describeSource(entry.source)} | ${gpu.count}× ${gpu.type} | ${maxModelLen} |`);
    }
    lines.push('');
  }
  if (result.diagnostics.length > 0) {
    lines.push('### Problems', '', '```', ...result.diagnostics.map(formatDiagnostic), '```', '');
  }
  return lines.join('\n');
}

function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case 'huggingface':
      return `Hugging Face \`${source.repo}@${source.revision}\``;
    case 'url':
      return `archive \`${new URL(source.url).hostname}\``;
    case 's3':
      return `staged \`${source.uri}\``;
  }
}
