import { dryRunVerdict, verdictLine, type BuildSnapshot, type ImageBuildPlan, type ImageBuildResult } from '@ray-gitops/core';

export type SummaryInput =
  | { readonly kind: 'dry-run'; readonly plan: ImageBuildPlan }
  | { readonly kind: 'reused' | 'built'; readonly plan: ImageBuildPlan; readonly result: ImageBuildResult; readonly build: BuildSnapshot | undefined }
  | { readonly kind: 'failed' | 'cancelled'; readonly plan: ImageBuildPlan; readonly build: BuildSnapshot | undefined; readonly detail: string };

const HEADINGS: Record<SummaryInput['kind'], string> = {
  'dry-run': 'dry run, nothing built',
  'reused': 'image already in ECR, no build',
  'built': 'built',
  'failed': 'failed',
  'cancelled': 'cancelled',
};

/** The job summary: what was decided, for which tag, and where to look. */
export function renderSummary(input: SummaryInput): string {
  const { plan } = input;
  const rows: [string, string][] = [
    ['Content tag', code(plan.tag)],
    ['Context', `${plan.context.files.length} files, ${plan.context.totalBytes} bytes`],
    ['Build arguments', Object.entries(plan.buildArgs).map(([k, v]) => code(`${k}=${v}`)).join('<br>') || '—'],
  ];
  if (input.kind === 'reused' || input.kind === 'built') {
    rows.push(['Image', code(input.result.imageRef)]);
  }
  if (input.kind !== 'dry-run' && input.build) {
    const link = input.build.logs?.deepLink;
    rows.push(['CodeBuild build', link ? `[${code(input.build.id)}](${link})` : code(input.build.id)]);
  }
  if (input.kind === 'dry-run') rows.push(['StartBuild', `project ${code(plan.startBuild.projectName)}, source ${code(plan.startBuild.sourceLocationOverride)}`]);

  const verdict = input.kind === 'dry-run' ? [verdictLine(dryRunVerdict(plan)), ''] : [];
  const lines = [`## build-image: ${HEADINGS[input.kind]}`, '', ...verdict, '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), ''];
  if (input.kind === 'failed' || input.kind === 'cancelled') lines.push('```text', input.detail, '```', '');
  return `${lines.join('\n')}\n`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}
