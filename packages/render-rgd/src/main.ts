import { join } from 'node:path';
import * as core from '@actions/core';
import {
  commitRenderedTree,
  createWorkflowReporter,
  DEFAULT_VERSIONS_FILE,
  loadStagedRecords,
  parseGitIdentity,
  parseStagedRecords,
  renderCatalog,
  renderSummaryMarkdown,
  reportDiagnostics,
  SETTINGS_FILE_NAME,
  type CommitBackResult,
  type StagedRecord,
} from '@ray-gitops/core';

/** Reads the inputs, renders the catalog into the output directory (or checks it), sets outputs and writes the job summary. */
export async function run(): Promise<void> {
  try {
    const catalogDir = core.getInput('catalog') || 'gitops/models';
    const outDir = core.getInput('out') || 'gitops';
    const image = core.getInput('image');
    const stagerImage = core.getInput('stager-image');
    const check = core.getBooleanInput('check');
    const commit = core.getBooleanInput('commit');
    if (check && commit) throw new Error("check writes nothing, so it cannot be combined with commit: 'true'");
    const identity = commit ? parseGitIdentity(core.getInput('commit-author'), 'the commit-author input') : undefined;
    const stagedInput = core.getInput('staged');
    const reporter = createWorkflowReporter(core);
    const staged = stagedInput === '' ? undefined : await readStaged(stagedInput);

    const token = core.getInput('token');
    if (token !== '') core.setSecret(token);
    const renderOptions = {
      catalogDir,
      outDir,
      ...(image ? { image } : {}),
      ...(stagerImage ? { stagerImage } : {}),
      ...(staged ? { staged } : {}),
      settingsFile: core.getInput('settings') || join(outDir, SETTINGS_FILE_NAME),
      versionsFile: core.getInput('versions') || DEFAULT_VERSIONS_FILE,
      reporter,
    };
    const result = await renderCatalog({ ...renderOptions, check });
    reportDiagnostics(reporter, result.diagnostics);
    const files = (result.plan?.changes ?? []).map((change) => join(outDir, change.path));
    core.setOutput('changed', files.length > 0 ? 'true' : 'false');
    core.setOutput('files', JSON.stringify(files));
    const committed = identity && result.ok
      ? await commitRenderedTree(result, {
        outDir,
        identity,
        push: core.getBooleanInput('push'),
        renderOptions,
        // a re-render after a rebase is validated as the pipeline's validate-manifests step validates
        validation: { crds: core.getMultilineInput('crds'), strict: core.getBooleanInput('strict'), ignoreMissingSchemas: core.getMultilineInput('crds').length === 0 },
        ...(token !== '' ? { token } : {}),
        ...(core.getInput('branch') ? { branch: core.getInput('branch') } : {}),
        reporter,
      })
      : undefined;
    core.setOutput('committed', committed?.committed ? 'true' : 'false');
    core.setOutput('commit', committed?.commit ?? '');
    const summary = core.summary.addRaw(renderSummaryMarkdown(result, { outDir, check }));
    if (committed) summary.addRaw(commitSummaryMarkdown(committed));
    await summary.write();

    if (!result.ok) {
      core.setFailed(`the catalog at ${catalogDir} has errors; nothing was rendered (see the annotations)`);
    } else if (check && files.length > 0) {
      core.setFailed(`${files.length} rendered file(s) in ${outDir} are stale: ${files.join(', ')}; run 'ray-gitops render' and commit the result`);
    } else {
      reporter.info(`${outDir}: ${files.length} file(s) ${check ? 'would change' : 'written or deleted'}; ${result.tree!.models.length} model(s)`);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/** The `staged` input is the JSON itself (prestage's output) or the path of a file holding it. */
async function readStaged(value: string): Promise<StagedRecord[]> {
  const trimmed = value.trim();
  return trimmed.startsWith('{') || trimmed.startsWith('[') ? parseStagedRecords(trimmed, 'the staged input') : loadStagedRecords(trimmed);
}

function commitSummaryMarkdown(result: CommitBackResult): string {
  if (!result.committed) return '\n**Commit:** nothing to commit; the rendered files are already in git.\n';
  const where = result.pushed ? `, pushed after ${result.attempts} attempt(s)` : ', not pushed';
  return `\n**Commit:** \`${result.commit!.slice(0, 12)}\` with ${result.files.length} file(s)${where}.\n`;
}
