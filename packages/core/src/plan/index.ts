// plan: what merging a pull request would do (catalog and fit, image, staging, rendered files),
// worked out without AWS, as a bounded markdown comment or JSON.
export { buildPlan, type BuildPlanOptions } from './build-plan.js';
export { planFiles } from './files.js';
export { DEFAULT_HUB_CONCURRENCY, DEFAULT_HUB_TIMEOUT_MS, HubLookups, TIMED_OUT } from './hub-lookups.js';
export { planModels } from './models.js';
export { planImage } from './image.js';
export { planJson } from './json.js';
export { PLAN_COMMENT_MARKER, PLAN_MARKDOWN_LIMIT, planMarkdown } from './markdown.js';
export { planRollout, planRollouts, rolloutWords } from './rollout.js';
export { planStaging } from './staging.js';
export type {
  FilesPlan,
  ImageDecision,
  ImagePlan,
  ModelFit,
  ModelPlan,
  PlanVerdict,
  PullRequestPlan,
  RolloutPlan,
  StagingItem,
  StagingReason,
  StagingSize,
} from './types.js';
