import { rolloutWords } from './rollout.js';
import type { ImageDecision, ModelFit, PullRequestPlan, StagingItem, StagingReason } from './types.js';
import { isPlaceholderImage, NO_IMAGE_YET } from '../render/image-ref.js';
import { RGD_PATH } from '../render/tree.js';
import { formatDiagnostic } from '../report/diagnostic.js';
import { VERDICT_MARKS } from '../report/verdict.js';

/** The hidden marker the plan comment is found by when it is updated in place. */
export const PLAN_COMMENT_MARKER = 'ray-gitops-plan';

/** Comfortably under GitHub's 65,536-character comment limit, leaving room for the truncation note. */
export const PLAN_MARKDOWN_LIMIT = 60_000;

/** Rows per table before "… and N more": enough to review, short enough to read. */
const ROWS = { models: 50, problems: 30, staging: 50, files: 100 } as const;

/**
 * The plan as a pull-request comment: the hidden marker, the verdict line, then one table per part.
 * Every cell is escaped (names and messages come from the pull request) and the body stays bounded.
 */
export function planMarkdown(plan: PullRequestPlan): string {
  const lines = [`<!-- ${PLAN_COMMENT_MARKER} -->`, '## ray-gitops plan', '', `${VERDICT_MARKS[plan.verdict.level]} **${text(plan.verdict.headline)}**`, ''];
  lines.push(...outsideSection(plan), ...modelSection(plan), ...problemSection(plan));
  lines.push(...imageSection(plan), ...stagingSection(plan), ...filesSection(plan));
  if (plan.offline) lines.push('_Planned with `--offline`: fit and model sizes were not checked._', '');
  return bounded(lines.join('\n'));
}

function modelSection({ catalog }: PullRequestPlan): string[] {
  const lines = ['### Models', ''];
  if (catalog.models.length === 0) return [...lines, `No valid model entries in \`${code(catalog.dir)}\` (${catalog.files} file(s)).`, ''];
  lines.push('| model | source | GPUs per replica | max model len | fit | at merge |', '|---|---|---|---|---|---|');
  for (const model of head(catalog.models, ROWS.models)) {
    const rollout = model.rollout ? `${rolloutWords(model.rollout)} (${text(model.rollout.reason)})` : '—';
    lines.push(row(`\`${code(model.name)}\``, `\`${code(model.source)}\``, `${model.gpu.count}× ${text(model.gpu.type)}`, String(model.maxModelLen), fitCell(model.fit), rollout));
  }
  return [...lines, ...more(catalog.models.length, ROWS.models, 6), ''];
}

/**
 * First thing after the verdict: every model whose workers may run the repository's code, fetch from
 * elsewhere, send data out or load code by name. A reviewer approving the merge approves these.
 */
function outsideSection({ catalog }: PullRequestPlan): string[] {
  const flagged = catalog.models.filter((model) => (model.outside ?? []).length > 0);
  if (flagged.length === 0) return [];
  const lines = ['### ⚠️ Reaches outside the image and the staged weights', '', '| model | engine argument | what it does |', '|---|---|---|'];
  for (const model of head(flagged, ROWS.models)) {
    for (const { key, reach } of model.outside ?? []) lines.push(row(`\`${code(model.name)}\``, `**\`${code(key)}\`**`, text(reach)));
  }
  return [...lines, ...more(flagged.length, ROWS.models, 3), ''];
}

function fitCell(fit: ModelFit): string {
  switch (fit.status) {
    case 'fits':
      return `✅ fits: ${text(fit.summary)}`;
    case 'does-not-fit':
      return `❌ ${text(fit.summary)}`;
    case 'not-checked':
      return `⚪ fit not checked: ${text(fit.reason)}`;
  }
}

function problemSection({ catalog }: PullRequestPlan): string[] {
  if (catalog.diagnostics.length === 0) return [];
  const lines = ['### Catalog problems', '', '| where | problem |', '|---|---|'];
  for (const diagnostic of head(catalog.diagnostics, ROWS.problems)) {
    const { file, line, column } = diagnostic.location;
    lines.push(row(`\`${code(`${file}:${line}:${column}`)}\``, `${diagnostic.severity === 'error' ? '❌' : '⚠️'} ${text(diagnostic.message)}`));
  }
  return [...lines, ...more(catalog.diagnostics.length, ROWS.problems, 2), ''];
}

const DECISION_WORDS: Record<ImageDecision, string> = {
  'reuse': 'reuse',
  'build': 'build',
  'build-if-missing': 'build unless ECR has it',
  'unknown': 'unknown',
};

function imageSection({ image }: PullRequestPlan): string[] {
  const lines = ['### Image', '', '| content tag | build context | committed image | at merge |', '|---|---|---|---|'];
  const context = image.contextFiles === undefined ? `\`${code(image.contextDir)}\`` : `\`${code(image.contextDir)}\` (${image.contextFiles} files, ${bytes(image.contextBytes!)})`;
  lines.push(row(image.tag ? `\`${image.tag}\`` : '—', context, image.committedImage ? (isPlaceholderImage(image.committedImage) ? NO_IMAGE_YET : `\`${code(image.committedImage)}\``) : 'none', `**${DECISION_WORDS[image.decision]}**`));
  lines.push('', sentence(image.reason), '');
  for (const diagnostic of head(image.diagnostics, ROWS.problems)) lines.push(`- ${diagnostic.severity === 'error' ? '❌' : '⚠️'} ${text(formatDiagnostic(diagnostic))}`);
  return image.diagnostics.length > 0 ? [...lines, ...bullets(image.diagnostics.length, ROWS.problems), ''] : lines;
}

const STAGING_WORDS: Record<StagingReason, string> = {
  'new': 'new model',
  'source-changed': 'source changed',
  'not-staged': 'not staged yet',
};

function stagingSection({ staging }: PullRequestPlan): string[] {
  const lines = ['### Models to stage', ''];
  if (staging.length === 0) return [...lines, 'None: every model already has staged weights for its source.', ''];
  lines.push('| model | why | files | size |', '|---|---|---|---|');
  for (const item of head(staging, ROWS.staging)) {
    const where = item.inClusterShards === undefined ? '' : `; staged in-cluster by ${item.inClusterShards} pod${item.inClusterShards === 1 ? '' : 's'}, ${stagerWords(item.stagerImage)}`;
    lines.push(row(`\`${code(item.name)}\``, `${STAGING_WORDS[item.reason]}${where}`, ...sizeCells(item)));
  }
  const known = staging.flatMap((item) => (item.size.status === 'unknown' ? [] : [item.size.bytes]));
  lines.push(...more(staging.length, ROWS.staging, 4));
  if (known.length > 0) lines.push('', `${bytes(known.reduce((sum, n) => sum + n, 0))} to copy into S3${known.length < staging.length ? ' (not counting the models of unknown size)' : ''}.`);
  return [...lines, ''];
}

/** Whether the Jobs have a stager image to run yet: the deploy builds the first one (docker/stager). */
function stagerWords(stagerImage: string | undefined): string {
  return stagerImage === undefined || isPlaceholderImage(stagerImage) ? `${NO_IMAGE_YET} for the stager (the merge builds it)` : `stager image \`${code(stagerImage)}\``;
}

function sizeCells({ size }: StagingItem): [string, string] {
  switch (size.status) {
    case 'known':
      return [String(size.files), bytes(size.bytes)];
    case 'archive':
      return ['one .tar archive', bytes(size.bytes)];
    case 'unknown':
      return ['—', size.reason === 'offline' ? 'size unknown (offline)' : `size unknown: ${text(size.reason)}`];
  }
}

function filesSection({ files, image }: PullRequestPlan): string[] {
  const lines = [`### Rendered files the merge changes in \`${code(files.outDir)}\``, ''];
  if (files.status === 'not-planned') return [...lines, `Not worked out: ${text(files.reason)}`, ''];
  if (files.changes.length === 0) {
    lines.push('None: the committed tree already matches the catalog.');
  } else {
    lines.push('| file | change |', '|---|---|');
    for (const change of head(files.changes, ROWS.files)) lines.push(row(`\`${code(change.path)}\``, change.kind));
    lines.push(...more(files.changes.length, ROWS.files, 2));
  }
  if (image.decision === 'build' || image.decision === 'build-if-missing') {
    lines.push('', `When a new image is built, \`${RGD_PATH}\` also changes to its digest.`);
  }
  return [...lines, ''];
}

function head<T>(items: readonly T[], limit: number): readonly T[] {
  return items.length > limit ? items.slice(0, limit) : items;
}

/** The table row that says how many rows were left out. */
function more(total: number, limit: number, columns: number): string[] {
  return total > limit ? [row(`… and ${total - limit} more`, ...Array<string>(columns - 1).fill(''))] : [];
}

function bullets(total: number, limit: number): string[] {
  return total > limit ? [`- … and ${total - limit} more`] : [];
}

function row(...cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Plain text in a table cell: one line, no table or HTML breakage, bounded. */
function text(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  const short = flat.length > 500 ? `${flat.slice(0, 499)}…` : flat;
  return short.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text inside a code span: no backticks or line breaks; pipes escaped, as GitHub tables need even there. */
function code(value: string): string {
  const flat = value.replace(/[`\r\n]+/g, ' ');
  return (flat.length > 200 ? `${flat.slice(0, 199)}…` : flat).replace(/\|/g, '\\|');
}

/** A reason as a sentence of its own: capital first letter, full stop. */
function sentence(value: string): string {
  const escaped = text(value);
  return `${escaped.charAt(0).toUpperCase()}${escaped.slice(1)}${/[.!?]$/.test(escaped) ? '' : '.'}`;
}

function bytes(count: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${count} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The whole body under the limit: cut at a line break, and say so. */
function bounded(markdown: string): string {
  if (markdown.length <= PLAN_MARKDOWN_LIMIT) return markdown;
  const cut = markdown.lastIndexOf('\n', PLAN_MARKDOWN_LIMIT);
  return `${markdown.slice(0, cut)}\n\n… the plan is ${markdown.length - cut} characters longer than a comment allows; run \`ray-gitops plan\` for all of it.\n`;
}
