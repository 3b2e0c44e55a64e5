import { join } from 'node:path';
import {
  checkCatalog,
  formatDiagnostic,
  UsageError,
  type OutputSink,
  type Reporter,
  type SourceRequest,
} from '@ray-gitops/core';
import { prepareCatalogWorkspace } from './catalog-workspace.js';
import { embeddedS3Environment, startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.js';
import { planLocalImage, type PlannedImage } from './image-plan.js';
import { renderInto, type RenderedTree } from './render-step.js';
import { sampleEntry, type SampleEntry } from './sample-entry.js';
import { SAMPLE_MODEL_NAME, writeSampleModel, type WrittenSampleModel } from './sample-model.js';
import { withEnvironment } from './scoped-env.js';
import { stageSample, type StagedSample } from './stage-step.js';
import { validateTree, type ValidatedTree } from './validate-step.js';

export interface PipelineOptions {
  /** everything the pipeline keeps between runs: bucket data, sample model, catalog, default output */
  readonly stateDir: string;
  readonly outDir: string;
  readonly catalogDir: string;
  /** the image's build context (docker/) */
  readonly contextDir: string;
  readonly bucket: string;
  /** CRD files or directories for the kinds the repository does not define (KubeRay, kro, Argo CD) */
  readonly crds: readonly string[];
  /** REPO[@REV] of a small Hub model to stage instead of the generated one */
  readonly sampleHf?: string;
  readonly reporter: Reporter;
  /** where findings (`FILE:LINE:COL: message`) go, as they are found */
  readonly log: OutputSink;
  /** aborted on Ctrl-C: staging stops, the bucket is shut down, nothing further runs */
  readonly signal: AbortSignal;
}

/** Where the pipeline keeps what it made, under the state directory. */
export interface PipelinePaths {
  readonly state: string;
  readonly out: string;
  readonly s3Data: string;
  readonly sampleModel: string;
  readonly catalog: string;
  readonly buildPlan: string;
}

export type StepName = 'catalog check' | 'embedded S3' | 'sample model' | 'stage' | 'build-image plan' | 'render' | 'validate';
const STEPS: readonly StepName[] = ['catalog check', 'embedded S3', 'sample model', 'stage', 'build-image plan', 'render', 'validate'];

export interface StepFailure {
  readonly step: StepName;
  readonly message: string;
  /** what a person does about it */
  readonly hint: string;
  readonly interrupted: boolean;
}

/** Everything a run found out; steps after a failure are absent. */
export interface PipelineResult {
  /** true when every step ran and found no problem */
  readonly ok: boolean;
  readonly seconds: number;
  readonly paths: PipelinePaths;
  readonly failure?: StepFailure;
  readonly catalog?: { readonly dir: string; readonly entries: number; readonly errors: number; readonly warnings: number };
  readonly bucket?: { readonly name: string; readonly endpoint: string };
  readonly sample?: { readonly kind: 'generated'; readonly model: WrittenSampleModel } | { readonly kind: 'huggingface'; readonly ref: string };
  readonly staged?: StagedSample;
  readonly entry?: SampleEntry;
  readonly image?: PlannedImage;
  readonly render?: RenderedTree;
  readonly validation?: ValidatedTree;
}

/**
 * catalog check → embedded S3 → sample model → stage → build-image plan → render → validate, each step
 * core's own operation, with the embedded bucket shut down at the end whatever happened.
 */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const started = Date.now();
  const { reporter, signal } = options;
  const paths: PipelinePaths = {
    state: options.stateDir,
    out: options.outDir,
    s3Data: join(options.stateDir, 's3'),
    sampleModel: join(options.stateDir, 'sample-model', SAMPLE_MODEL_NAME),
    catalog: join(options.stateDir, 'catalog'),
    buildPlan: join(options.stateDir, 'build-plan.json'),
  };
  const found: { -readonly [K in keyof PipelineResult]?: PipelineResult[K] } = {};
  let problems = false;
  let s3: EmbeddedS3 | undefined;

  const step = async <T>(name: StepName, hint: string, work: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw interruption(name);
    return reporter.group(`[${STEPS.indexOf(name) + 1}/${STEPS.length}] ${name}`, async () => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof UsageError || error instanceof StepError) throw error;
        throw signal.aborted ? interruption(name) : failed(name, messageOf(error), hint);
      }
    });
  };

  try {
    const catalog = await step('catalog check', 'point --catalog at the catalog directory, or run from the repository root', async () => {
      const checked = await checkCatalog(options.catalogDir);
      for (const diagnostic of checked.diagnostics) options.log.write(`${formatDiagnostic(diagnostic)}\n`);
      const count = (severity: string) => checked.diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
      found.catalog = { dir: options.catalogDir, entries: checked.files.length, errors: count('error'), warnings: count('warning') };
      reporter.info(`${options.catalogDir}: ${found.catalog.entries} entries, ${found.catalog.errors} error(s), ${found.catalog.warnings} warning(s)`);
      return found.catalog;
    });
    if (catalog.errors > 0) {
      problems = true;
      throw failed('catalog check', `${catalog.errors} error(s) in ${options.catalogDir}`, 'fix the FILE:LINE:COL errors listed above and run again');
    }

    s3 = await step('embedded S3', `check that ${paths.s3Data} is writable and that 127.0.0.1 accepts connections`, async () => {
      const server = await startEmbeddedS3({ dataDir: paths.s3Data, bucket: options.bucket });
      found.bucket = { name: options.bucket, endpoint: server.endpoint };
      reporter.info(`s3rver serves s3://${options.bucket} at ${server.endpoint}, data in ${paths.s3Data}`);
      return server;
    });
    const embedded = s3;

    const request = await step('sample model', `check that ${paths.sampleModel} is writable`, async (): Promise<SourceRequest> => {
      if (options.sampleHf !== undefined) {
        found.sample = { kind: 'huggingface', ref: options.sampleHf };
        reporter.info(`staging ${options.sampleHf} from ${process.env.HF_ENDPOINT || 'https://huggingface.co'} (--sample-hf)`);
        return { kind: 'huggingface', ref: options.sampleHf };
      }
      const model = await writeSampleModel(paths.sampleModel);
      found.sample = { kind: 'generated', model };
      reporter.info(`${paths.sampleModel}: ${model.files} files, ${model.written === 0 ? 'unchanged' : `${model.written} written`}`);
      return { kind: 'dir', path: paths.sampleModel };
    });

    const staged = await step(
      'stage',
      options.sampleHf !== undefined
        ? 'check that the Hub (HF_ENDPOINT) is reachable and the repository exists, or run without --sample-hf; a rerun resumes'
        : `run again (staging skips what is already there), or delete ${paths.s3Data} to start the bucket over`,
      () => withEnvironment(embeddedS3Environment(embedded), () => stageSample({ request, dest: `s3://${options.bucket}/models`, reporter, signal })),
    );
    found.staged = staged;
    const entry = sampleEntry(staged.result);
    found.entry = entry;

    const imageHint = `check ${options.contextDir}/ (Dockerfile, versions.json, buildspec.yml); 'ray-gitops build-image --dry-run' shows the same plan`;
    const image = await step('build-image plan', imageHint, () => planLocalImage({ contextDir: options.contextDir, planFile: paths.buildPlan, reporter }));
    found.image = image;
    reporter.info(`content tag ${image.plan.tag} (${image.plan.context.files.length} files); StartBuild request in ${paths.buildPlan}; no AWS call made`);
    // Nothing is built here, so a lint error is a finding for the real build (the summary names it),
    // not a failure of this run: on AWS, build-image refuses to start until it is fixed.

    const render = await step('render', `fix the problem above and run again; 'ray-gitops render --out ${options.outDir}' renders the same way`, async () => {
      await prepareCatalogWorkspace({ catalogDir: options.catalogDir, workspaceDir: paths.catalog, extra: [entry] });
      const records = [entry.staged];
      const rendered = await renderInto({ catalogDir: paths.catalog, outDir: options.outDir, image: image.imageRef, staged: records, reporter });
      if (!rendered.result.ok) {
        for (const diagnostic of rendered.result.diagnostics) options.log.write(`${formatDiagnostic(diagnostic)}\n`);
        throw failed('render', `the catalog in ${paths.catalog} has errors; nothing was rendered`, 'fix the errors listed above and run again');
      }
      const { plan } = rendered.result;
      reporter.info(`${options.outDir}: ${plan!.changes.length} file(s) written or deleted, ${plan!.unchanged} unchanged`);
      return rendered;
    });
    found.render = render;

    const validation = await step('validate', 'fix the findings listed above (FILE:LINE:COL), then run again', () =>
      validateTree({ ...options, repositoryPath: render.settings.path }));
    found.validation = validation;
    if (!validation.summary.ok) problems = true;
  } catch (error) {
    if (!(error instanceof StepError)) throw error;
    found.failure = error.failure;
  } finally {
    await s3?.stop();
  }
  return { ...found, ok: !problems && found.failure === undefined, seconds: (Date.now() - started) / 1000, paths };
}

/** A step that could not finish, with what to do about it. */
class StepError extends Error {
  constructor(readonly failure: StepFailure) {
    super(failure.message);
  }
}

function failed(step: StepName, message: string, hint: string): StepError {
  return new StepError({ step, message, hint, interrupted: false });
}

function interruption(step: StepName): StepError {
  return new StepError({ step, message: 'interrupted', hint: 'run again: finished steps are skipped or repeated at no cost', interrupted: true });
}

/** The error's message with what a bare message leaves out: the HTTP status, or the network error under `fetch failed`. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const cause = (error.cause as { code?: unknown } | undefined)?.code;
  const detail = status ? `HTTP ${status}` : typeof cause === 'string' ? cause : undefined;
  return detail ? `${error.message} (${detail})` : error.message;
}
