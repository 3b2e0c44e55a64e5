import type { ImageBuildPlan } from './plan.js';
import { decideVerdict, type Verdict } from '../report/verdict.js';

/**
 * The verdict of a dry run: it builds nothing, so an image definition error is a warning about the
 * real build (which refuses to start until it is fixed), never a failure of the dry run itself, and
 * the same call as the plan comment and the pipeline summary make.
 */
export function dryRunVerdict(plan: Pick<ImageBuildPlan, 'diagnostics' | 'tag'>): Verdict {
  const errors = plan.diagnostics.filter((d) => d.severity === 'error').length;
  return decideVerdict({
    blockers: [],
    warnings: errors > 0 ? [`build-image will refuse to build until ${errors} image definition error(s) are fixed`] : [],
    ready: `dry run of ${plan.tag}: nothing built, no AWS call made`,
  });
}
