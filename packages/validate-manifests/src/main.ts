import * as core from '@actions/core';
import {
  CapabilityNotBuiltError,
  checkCatalog,
  createWorkflowReporter,
  renderCatalogCheckSummary,
  reportDiagnostics,
} from '@ray-gitops/core';

/** Reads the inputs, checks the catalog, annotates the PR and writes the job summary. */
export async function run(): Promise<void> {
  try {
    const catalogDir = core.getInput('catalog') || 'gitops/models';
    if (core.getMultilineInput('paths').length > 0) {
      throw new CapabilityNotBuiltError('validate-manifests: manifest validation (the paths input)');
    }
    const reporter = createWorkflowReporter(core);
    const result = await reporter.group(`Catalog check of ${catalogDir}`, () => checkCatalog(catalogDir));
    reportDiagnostics(reporter, result.diagnostics);

    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    core.setOutput('entries', result.entries.length);
    core.setOutput('errors', errors);
    await core.summary.addRaw(renderCatalogCheckSummary(catalogDir, result)).write();
    if (errors > 0) core.setFailed(`${errors} error(s) in the catalog at ${catalogDir}; see the annotations.`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
