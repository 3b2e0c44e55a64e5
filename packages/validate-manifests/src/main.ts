import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import * as core from '@actions/core';
import {
  checkCatalog,
  createWorkflowReporter,
  gitopsChecks,
  githubReporter,
  markdownSummaryReporter,
  nonManifestPatterns,
  renderCatalogCheckSummary,
  reportDiagnostics,
  sarifReporter,
  validateManifests,
  type ResultReporter,
  type ValidationSummary,
} from '@ray-gitops/core';

/** Reads the inputs, checks the catalog, validates the manifests, annotates the PR, writes the summary. */
export async function run(): Promise<void> {
  try {
    const catalogDir = core.getInput('catalog');
    const paths = core.getMultilineInput('paths');
    const reporter = createWorkflowReporter(core);
    let errors = 0;

    if (catalogDir) {
      const catalog = await reporter.group(`Catalog check of ${catalogDir}`, () => checkCatalog(catalogDir));
      reportDiagnostics(reporter, catalog.diagnostics);
      errors += catalog.diagnostics.filter((d) => d.severity === 'error').length;
      core.setOutput('entries', catalog.entries.length);
      core.summary.addRaw(renderCatalogCheckSummary(catalogDir, catalog));
    }

    if (paths.length > 0) {
      const summary = await reporter.group(`Validate ${paths.join(', ')}`, () => validate(paths, catalogDir));
      errors += summary.invalid + summary.errors;
      core.setOutput('resources', summary.resources);
    }

    core.setOutput('errors', errors);
    await core.summary.write();
    if (errors > 0) core.setFailed(`${errors} problem(s) found; see the annotations and the job summary.`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

async function validate(paths: string[], catalogDir: string): Promise<ValidationSummary> {
  const summaryText: string[] = [];
  const reporters: ResultReporter[] = [
    githubReporter(process.stdout),
    markdownSummaryReporter({ write: (text: string) => summaryText.push(text) }),
  ];
  const sarifPath = core.getInput('sarif-file');
  const sarif = sarifPath ? createWriteStream(sarifPath) : undefined;
  if (sarif) reporters.push(sarifReporter(sarif));

  const summary = await validateManifests({
    paths,
    crds: core.getMultilineInput('crds'),
    strict: core.getBooleanInput('strict'),
    ignoreMissingSchemas: core.getBooleanInput('ignore-missing-schemas'),
    checks: gitopsChecks({ policy: core.getBooleanInput('policy') }),
    disabledRules: core.getMultilineInput('disable-rules'),
    ...(core.getInput('previous') ? { previous: core.getInput('previous') } : {}),
    // the catalog (checked above by its own rules) and the render settings are not Kubernetes objects
    ignoreFilenamePatterns: nonManifestPatterns('gitops', catalogDir || 'gitops/models'),
    reporters,
  });
  if (sarif) {
    sarif.end();
    await once(sarif, 'close');
  }
  core.setOutput('sarif-file', sarifPath);
  core.summary.addRaw(summaryText.join(''));
  return summary;
}
