/**
 * The one verdict every summary gives (the plan comment, `ray-gitops pipeline`, the actions' job
 * summaries, `build-image --dry-run`), so two of them never disagree:
 *
 * - blocked: something must be fixed before this can go ahead (a catalog error, a model that does not
 *   fit, a manifest that fails validation, a build that was asked for and refused);
 * - warnings: this can go ahead, and something later will need attention (an image definition error
 *   seen by a plan or a dry run, which builds nothing: the real build-image refuses until it is fixed);
 * - ready: nothing to fix.
 *
 * The mark follows the level, never the other way round: no ✅ above a ❌.
 */
export type VerdictLevel = 'blocked' | 'warnings' | 'ready';

export interface Verdict {
  readonly level: VerdictLevel;
  /** false only when blocked: what exit codes and `ok` fields follow */
  readonly ok: boolean;
  /** one sentence: the level's word, then why */
  readonly headline: string;
  readonly blockers: readonly string[];
  readonly warnings: readonly string[];
}

export const VERDICT_MARKS: Readonly<Record<VerdictLevel, string>> = { blocked: '❌', warnings: '⚠️', ready: '✅' };

interface VerdictInput {
  /** what stops it, one short phrase each */
  readonly blockers: readonly string[];
  /** what needs attention later, one short phrase each */
  readonly warnings: readonly string[];
  /** what is true when it goes ahead, e.g. "Ready to merge" */
  readonly ready: string;
  /** the word for blocked, e.g. "Not ready" (default "Blocked") */
  readonly blocked?: string;
}

/** The level follows the worst finding; the headline names the findings of that level first. */
export function decideVerdict(input: VerdictInput): Verdict {
  const { blockers, warnings } = input;
  const level: VerdictLevel = blockers.length > 0 ? 'blocked' : warnings.length > 0 ? 'warnings' : 'ready';
  const also = warnings.length > 0 ? `; also ${warnings.join('; ')}` : '';
  const headline =
    level === 'blocked'
      ? `${input.blocked ?? 'Blocked'}: ${blockers.join(', ')}${also}`
      : level === 'warnings'
        ? `${input.ready}, with warnings: ${warnings.join('; ')}`
        : input.ready;
  return { level, ok: level !== 'blocked', headline, blockers, warnings };
}

/** `❌ Blocked: …` for text and markdown alike. */
export function verdictLine(verdict: Pick<Verdict, 'level' | 'headline'>): string {
  return `${VERDICT_MARKS[verdict.level]} ${verdict.headline}`;
}
