// The commands by name and summary, with a loader each: `ray-gitops --help` and finding the command
// never load @ray-gitops/core or any command's dependencies (AWS SDK, ajv, …); only the command run does.
// commands/index.ts (COMMANDS) keeps the loaded definitions for tests and docs; cli.test.ts checks both agree.
import type { CommandDefinition } from '../command.js';

export interface CommandEntry {
  readonly path: readonly string[];
  readonly summary: string;
  load(): Promise<CommandDefinition>;
}

/** Every command, in the order `--help` lists them. */
export const COMMAND_ENTRIES: readonly CommandEntry[] = [
  {
    path: ['catalog', 'check'],
    summary: 'Check every model entry in the catalog: schema, names, sources, GPU requests, and (with --fit) whether it fits.',
    load: async () => (await import('./catalog-check.js')).catalogCheckCommand,
  },
  {
    path: ['render'],
    summary: 'Render the Kro RGD, one instance per model and the Argo CD apps into gitops/.',
    load: async () => (await import('./render.js')).renderCommand,
  },
  {
    path: ['validate'],
    summary: 'Validate manifests against real schemas (Kubernetes, KubeRay, kro, Argo CD) and GPU-workload policy.',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    path: ['schemas', 'fetch'],
    summary: 'Download the upstream CRDs validate needs (KubeRay, kro, Argo CD, ACK EKS, Gateway API, prometheus-operator) from their pinned release URLs into the schema cache, checking each sha256.',
    load: async () => (await import('./schemas.js')).schemasFetchCommand,
  },
  {
    path: ['schemas', 'import'],
    summary: 'Fill the schema cache from a local folder of CRD files (air-gapped machines): pinned files must match their sha256, other CRDs are imported as they are.',
    load: async () => (await import('./schemas.js')).schemasImportCommand,
  },
  {
    path: ['prestage'],
    summary: 'Stage model weights into S3 from Hugging Face, a .tar URL, a local directory or catalog entries: streamed, verified, resumable.',
    load: async () => (await import('./prestage.js')).prestageCommand,
  },
  {
    path: ['build-image'],
    summary: 'Build the Ray+vLLM image with CodeBuild into ECR, only when its content tag is missing.',
    load: async () => (await import('./build-image.js')).buildImageCommand,
  },
  {
    path: ['fit'],
    summary: 'Say whether a model, with its KV cache at a context length, fits on the GPUs asked for.',
    load: async () => (await import('./fit.js')).fitCommand,
  },
  {
    path: ['plan'],
    summary: 'Show what merging would do: catalog check and fit, image build or reuse, models to stage, rendered files that change. No AWS call.',
    load: async () => (await import('./plan.js')).planCommand,
  },
  {
    path: ['pr-comment'],
    summary: 'Post a file as the pull request\'s one marked comment: edits the earlier bot comment in place, or creates it.',
    load: async () => (await import('./pr-comment.js')).prCommentCommand,
  },
  {
    path: ['pipeline'],
    summary: 'Run the whole pipeline offline: stage a sample model into an embedded S3, plan the image, render and validate (npm start).',
    load: async () => (await import('./pipeline.js')).pipelineCommand,
  },
  {
    path: ['pin'],
    summary: "Pin every image of docker/versions.json to its tag's current digest (the multi-platform index), through the registry API.",
    load: async () => (await import('./pin.js')).pinCommand,
  },
  {
    path: ['bump'],
    summary: 'Move Ray, the ray-llm base image tag and vLLM together: pin the new tag by digest, re-render, print what changed.',
    load: async () => (await import('./bump.js')).bumpCommand,
  },
];
