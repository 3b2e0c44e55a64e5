import type { FitVerdict } from '../fit/estimate.js';
import type { FileChange } from '../render/writer.js';
import type { Diagnostic } from '../report/diagnostic.js';
import type { VerdictLevel } from '../report/verdict.js';

/** Whether one model fits its GPUs, or why that was not checked (offline, gated, not a Hub source). */
export type ModelFit =
  | { readonly status: 'fits'; readonly summary: string; readonly verdict: FitVerdict }
  | { readonly status: 'does-not-fit'; readonly summary: string; readonly verdict: FitVerdict }
  | { readonly status: 'not-checked'; readonly reason: string };

/** One valid catalog entry as the plan shows it. */
export interface ModelPlan {
  readonly name: string;
  readonly file: string;
  /** the source identity render records, e.g. `huggingface:Qwen/Qwen2.5-7B-Instruct@main` */
  readonly source: string;
  readonly gpu: { readonly type: string; readonly count: number };
  readonly maxModelLen: number;
  readonly fit: ModelFit;
  /** what the merge does to the running model (absent in plans built before rollouts were planned) */
  readonly rollout?: RolloutPlan;
  /** engine arguments that reach outside the image and the staged weights, with why: trust-remote-code first, then the allowed keys */
  readonly outside?: readonly { readonly key: string; readonly reach: string }[];
}

/** Whether the merge restarts a model's replicas, and how many GPUs beyond today's it needs meanwhile. */
export interface RolloutPlan {
  readonly restarts: boolean;
  readonly peakExtraGpus: number;
  /** one phrase a reviewer reads */
  readonly reason: string;
}

export interface CatalogPlan {
  readonly dir: string;
  /** catalog files found */
  readonly files: number;
  readonly models: ModelPlan[];
  /** the catalog check's findings, sorted */
  readonly diagnostics: Diagnostic[];
}

/**
 * What the merge does about the image: `reuse` when the committed render already runs this content
 * tag, `build` when it runs another, `build-if-missing` when the committed image does not say its
 * tag (only ECR knows, and a pull request makes no AWS call), `unknown` when docker/ cannot be read.
 */
export type ImageDecision = 'reuse' | 'build' | 'build-if-missing' | 'unknown';

export interface ImagePlan {
  readonly contextDir: string;
  /** the content tag of the build context, `ctx-…`; absent when it could not be computed */
  readonly tag?: string;
  readonly contextFiles?: number;
  readonly contextBytes?: number;
  /** the image the committed render runs (the RGD's image annotation) */
  readonly committedImage?: string;
  readonly decision: ImageDecision;
  /** one sentence a reviewer reads */
  readonly reason: string;
  /** lint findings of the Dockerfile and versions */
  readonly diagnostics: Diagnostic[];
}

/** Why a model needs staging at merge. */
export type StagingReason = 'new' | 'source-changed' | 'not-staged';

export type StagingSize =
  | { readonly status: 'known'; readonly files: number; readonly bytes: number; /** resolved commit, when the source has one */ readonly commit?: string }
  | { readonly status: 'archive'; /** bytes of the .tar archive; its files are listed while staging */ readonly bytes: number }
  | { readonly status: 'unknown'; readonly reason: string };

export interface StagingItem {
  readonly name: string;
  readonly source: string;
  readonly reason: StagingReason;
  readonly size: StagingSize;
  /** catalog staging.where: cluster: the pods of the in-cluster Job that stage it, instead of the runner */
  readonly inClusterShards?: number;
  /** with inClusterShards: the stager image the Jobs would run; absent when none is built yet (the merge builds it) */
  readonly stagerImage?: string;
}

/** The rendered files the merge changes, or why they could not be worked out. */
export type FilesPlan =
  | { readonly status: 'planned'; readonly outDir: string; readonly changes: FileChange[]; readonly unchanged: number }
  | { readonly status: 'not-planned'; readonly outDir: string; readonly reason: string };

export interface PlanVerdict {
  /** report/verdict.ts: blocked (catalog errors, misfits), warnings (image definition errors), ready */
  readonly level: VerdictLevel;
  /** false when blocked: the catalog has errors or a model does not fit */
  readonly ok: boolean;
  /** the first line a reviewer reads */
  readonly headline: string;
}

/** Everything a pull request's merge would do, worked out without AWS and without writing anything. */
export interface PullRequestPlan {
  readonly verdict: PlanVerdict;
  readonly offline: boolean;
  readonly catalog: CatalogPlan;
  readonly image: ImagePlan;
  readonly staging: StagingItem[];
  readonly files: FilesPlan;
}
