import type { PullRequestPlan } from './types.js';

/** The plan as JSON for other tools: the same fields as the typed plan, stable key order, one trailing newline. */
export function planJson(plan: PullRequestPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
