import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_CATALOG_DIR, DEFAULT_OUT_DIR, parseS3Uri, UsageError } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { formatSummary, summaryDocument } from '../pipeline/summary.js';
import { repositoryRoot } from '../repository.js';

/** 128 + SIGINT, what shells report for a run stopped with Ctrl-C. */
const INTERRUPTED = 130;

export const pipelineCommand: CommandDefinition = {
  path: ['pipeline'],
  summary: 'Run the whole pipeline offline: stage a sample model into an embedded S3, plan the image, render and validate (npm start).',
  synopsis: '[--state DIR] [--out DIR] [--catalog DIR] [--context DIR] [--bucket NAME] [--crds DIR]… [--sample-hf REPO[@REV]] [--json]',
  options: {
    'state': { type: 'string', value: 'DIR', default: '.ray-gitops', description: 'where the run keeps its bucket data, sample model, catalog and build plan' },
    'out': { type: 'string', value: 'DIR', description: "render into DIR (default: <state>/gitops); never inside the repository's gitops/, which only 'ray-gitops render' writes" },
    'catalog': { type: 'string', value: 'DIR', default: DEFAULT_CATALOG_DIR, description: 'catalog rendered along with the sample model' },
    'context': { type: 'string', value: 'DIR', default: 'docker', description: "the image's build context, as build-image --context" },
    'bucket': { type: 'string', value: 'NAME', default: 'ray-gitops-local', description: 'bucket of the embedded S3 (s3rver on 127.0.0.1)' },
    'crds': { type: 'string', multiple: true, value: 'DIR', description: 'CRD YAML file or directory (KubeRay, kro, Argo CD) to schema-check those kinds too' },
    'sample-hf': { type: 'string', value: 'REPO[@REV]', description: 'stage this small Hugging Face repository (HF_ENDPOINT, HF_TOKEN) instead of the generated sample' },
    'json': { type: 'boolean', description: 'print the result as JSON on stdout instead of the summary' },
  },
  async run({ values, streams, reporter }) {
    const stateDir = values.state as string;
    const bucket = values.bucket as string;
    parseS3Uri(`s3://${bucket}`); // a bad bucket name is a usage error before anything starts
    const outDir = typeof values.out === 'string' && values.out !== '' ? values.out : join(stateDir, 'gitops');
    refuseCommittedTree(outDir);
    const crds = (values.crds as string[] | undefined) ?? [];
    const sampleHf = typeof values['sample-hf'] === 'string' && values['sample-hf'] !== '' ? values['sample-hf'] : undefined;
    const token = process.env.HF_TOKEN;
    if (token) reporter.secret(token);

    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (controller.signal.aborted) process.exit(INTERRUPTED); // a second Ctrl-C does not wait for the cleanup
      reporter.warning(`received ${signal}: stopping the staging and the embedded S3 (Ctrl-C again to quit at once)`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const result = await runPipeline({
        stateDir,
        outDir,
        catalogDir: values.catalog as string,
        contextDir: values.context as string,
        bucket,
        crds,
        ...(sampleHf ? { sampleHf } : {}),
        reporter,
        log: streams.stderr,
        signal: controller.signal,
      });
      streams.stdout.write(values.json ? `${JSON.stringify(summaryDocument(result, { crds }), null, 2)}\n` : `${formatSummary(result, { crds }).join('\n')}\n`);
      if (result.failure?.interrupted) return INTERRUPTED;
      return result.ok ? ExitCode.ok : ExitCode.problemsFound;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // core's stager takes no AbortSignal: its retries against the stopped bucket would keep the process
      // alive for a while, so an interrupted run ends once this turn of the event loop is done
      if (controller.signal.aborted) setImmediate(() => process.exit(INTERRUPTED)).unref();
    }
  },
};

/**
 * The pipeline renders a generated sample model and a placeholder image digest: neither may reach the
 * committed tree, where a later `render` would keep the fake image and `plan` would find nothing to build.
 */
function refuseCommittedTree(outDir: string): void {
  const committed = join(repositoryRoot(), DEFAULT_OUT_DIR);
  const inside = relative(committed, resolve(outDir));
  const isInside = inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside));
  if (isInside) {
    throw new UsageError(
      `--out ${outDir} is inside the committed ${committed}: the pipeline renders a sample model and a placeholder image, which must never be committed; ` +
        "give --out outside it (default .ray-gitops/gitops), or render the real catalog there with 'ray-gitops render'",
    );
  }
}
