import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { asArray, asRecord } from './pod-templates.js';
import { isForeignRepository } from './repository-urls.js';
import type { Diagnostic, SourceLocation } from '../report/diagnostic.js';
import type { CheckContext, ResourceCheck } from '../validate/checks.js';
import { annotationDisabledRules, ruleDisabled } from '../validate/disable-rules.js';
import { refOf, type FieldPath, type ManifestResource, type ResourceRef, type ValidationResult } from '../validate/types.js';

/** The id of the Argo CD consistency stage; codes are `argocd/<rule>`. */
const ARGOCD_CHECK_ID = 'argocd';

/** The catalog directory: people's PRs, never synced (DESIGN.md). */
const CATALOG_DIR = 'gitops/models';

const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const MAX_SCANNED_FILES = 2000;

/** What an Application (or ApplicationSet) deploys, in the order Argo CD must sync them. */
type SyncTier = 'crds' | 'rgds' | 'instances';
const TIER_RANK: Readonly<Record<SyncTier, number>> = { crds: 0, rgds: 1, instances: 2 };
const TIER_NAME: Readonly<Record<SyncTier, string>> = { crds: 'CRDs/operators', rgds: 'ResourceGraphDefinitions', instances: 'RGD instances' };

interface SourceRef {
  /** the path in the repository, relative to its root */
  readonly path: string;
  readonly at: FieldPath;
  readonly recurse: boolean;
  readonly exclude?: string;
  /** a git generator pattern (`gitops/workloads/*`) */
  readonly glob: boolean;
  readonly excluded: boolean;
  /** the source (or generator) lives in another repository: nothing to check here */
  readonly foreign: boolean;
}

interface AppFacts {
  readonly ref: ResourceRef;
  readonly location: SourceLocation;
  readonly name: string;
  readonly wave: number;
  readonly charts: boolean;
  readonly sources: readonly SourceRef[];
  readonly repoRoot: string;
  readonly disabled: readonly string[];
}

const APP_KINDS = new Set(['Application', 'ApplicationSet']);

/**
 * Argo CD consistency: every Application/ApplicationSet source path exists in the repository,
 * nothing syncs the catalog (gitops/models/), and sync waves order CRDs → RGDs → instances.
 * Per resource it checks paths; it keeps a few facts per Application (not per file) and compares
 * the waves once every file has been read (`finish`), so memory stays flat in the number of files.
 */
export function argocdCheck(): ResourceCheck {
  const apps: AppFacts[] = [];
  const rgdKinds = new Set<string>();
  const check: ResourceCheck = {
    id: ARGOCD_CHECK_ID,
    appliesTo: (resource) =>
      (resource.signature.group === 'argoproj.io' && APP_KINDS.has(resource.signature.kind)) || resource.signature.kind === 'ResourceGraphDefinition',
    check: (resource, context) => {
      if (resource.signature.kind === 'ResourceGraphDefinition') {
        const kind = asRecord(asRecord(asRecord(resource.object.spec)?.schema))?.kind;
        if (typeof kind === 'string') rgdKinds.add(kind);
        return [];
      }
      const facts = appFacts(resource, context);
      apps.push(facts);
      return pathDiagnostics(resource, facts);
    },
    forRun: () => argocdCheck(),
    finish: () => waveResults(apps, rgdKinds),
  };
  return check;
}

function appFacts(resource: ManifestResource, context: CheckContext): AppFacts {
  const object = resource.object;
  const metadata = asRecord(object.metadata);
  const waveText = asRecord(metadata?.annotations)?.[SYNC_WAVE];
  const wave = typeof waveText === 'string' && /^-?\d+$/.test(waveText.trim()) ? Number(waveText) : 0;
  const sources: SourceRef[] = [];
  const repoRoot = resolve(context.repoRoot ?? '.');
  let charts = false;
  const addSources = (spec: Record<string, unknown> | undefined, base: FieldPath) => {
    if (!spec) return;
    const list: [Record<string, unknown>, FieldPath][] = [];
    const single = asRecord(spec.source);
    if (single) list.push([single, [...base, 'source']]);
    asArray(spec.sources).forEach((item, index) => {
      const source = asRecord(item);
      if (source) list.push([source, [...base, 'sources', index]]);
    });
    for (const [source, at] of list) {
      if (typeof source.chart === 'string') charts = true;
      const path = source.path;
      if (typeof path !== 'string') continue;
      const directory = asRecord(source.directory);
      const exclude = directory?.exclude;
      sources.push({
        path,
        at: [...at, 'path'],
        recurse: directory?.recurse === true,
        ...(typeof exclude === 'string' ? { exclude } : {}),
        glob: false,
        excluded: false,
        foreign: isForeignRepository(source.repoURL, repoRoot),
      });
    }
  };
  if (resource.signature.kind === 'Application') {addSources(asRecord(object.spec), ['spec']);} else {
    const spec = asRecord(object.spec);
    addSources(asRecord(asRecord(spec?.template)?.spec), ['spec', 'template', 'spec']);
    generatorSources(asArray(spec?.generators), ['spec', 'generators'], sources, repoRoot);
  }
  const disabled = [...(context.disabledRules ?? []), ...annotationDisabledRules(object)];
  return {
    ref: refOf(resource),
    location: resource.locator.locate(['metadata', 'name']),
    name: typeof metadata?.name === 'string' ? metadata.name : '?',
    wave,
    charts,
    sources,
    repoRoot,
    disabled,
  };
}

/** git generators' directories/files, nested matrix/merge generators included. */
function generatorSources(generators: unknown[], base: FieldPath, out: SourceRef[], repoRoot: string): void {
  generators.forEach((item, index) => {
    const generator = asRecord(item);
    if (!generator) return;
    const git = asRecord(generator.git);
    if (git) {
      for (const field of ['directories', 'files'] as const) {
        asArray(git[field]).forEach((entry, position) => {
          const path = asRecord(entry)?.path;
          if (typeof path !== 'string') return;
          out.push({
            path,
            at: [...base, index, 'git', field, position, 'path'],
            recurse: false,
            glob: true,
            excluded: asRecord(entry)?.exclude === true,
            foreign: isForeignRepository(git.repoURL, repoRoot),
          });
        });
      }
    }
    for (const nested of ['matrix', 'merge'] as const) {
      const inner = asRecord(generator[nested]);
      if (inner) generatorSources(asArray(inner.generators), [...base, index, nested, 'generators'], out, repoRoot);
    }
  });
}

function pathDiagnostics(resource: ManifestResource, facts: AppFacts): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const at = (path: FieldPath, code: string, message: string, severity: 'error' | 'warning' = 'error') =>
    diagnostics.push({ severity, location: resource.locator.locate(path), message: `${message} [${code}]`, code });
  const excludes = facts.sources.filter((s) => s.glob && s.excluded).map((s) => normalize(s.path));
  for (const source of facts.sources) {
    if (source.path.includes('{{')) continue; // filled in by an ApplicationSet generator
    if (source.foreign) continue; // another repository's paths are not in this checkout
    const path = normalize(source.path);
    if (isAbsolute(source.path) || path.startsWith('..')) {
      at(source.at, 'argocd/source-path', `source path ${source.path} leaves the repository; Argo CD paths are relative to the repository root`);
      continue;
    }
    if (source.excluded) continue;
    const matches = source.glob ? globDirectories(facts.repoRoot, path) : existsSync(join(facts.repoRoot, path)) ? [path] : [];
    if (matches.length === 0) {
      at(source.at, 'argocd/source-path', source.glob
        ? `generator path ${source.path} matches no directory under ${facts.repoRoot}; fix the pattern or render the workloads first`
        : `source path ${source.path} does not exist in the repository (${facts.repoRoot}); fix the path or render it first`);
    }
    const syncsCatalog = source.glob
      ? matches.some((match) => match === CATALOG_DIR || match.startsWith(`${CATALOG_DIR}/`)) && !excludes.some((e) => globMatches(e, CATALOG_DIR))
      : path === CATALOG_DIR || path.startsWith(`${CATALOG_DIR}/`) || (isAncestor(path, CATALOG_DIR) && source.recurse && !excludesCatalog(source, path));
    if (syncsCatalog) {
      at(source.at, 'argocd/syncs-catalog', `${source.path} makes Argo CD sync ${CATALOG_DIR}/, the model catalog (pull-request input, not Kubernetes objects); point it at the rendered output or exclude ${CATALOG_DIR}`);
    }
  }
  return diagnostics;
}

function excludesCatalog(source: SourceRef, path: string): boolean {
  if (!source.exclude) return false;
  const inside = path === '.' || path === '' ? CATALOG_DIR : CATALOG_DIR.slice(path.length + 1);
  return source.exclude.includes(inside.split('/')[0]!) || source.exclude.includes('models');
}

/** Tiers by what the synced directories hold; waves compared across Applications. */
function waveResults(apps: readonly AppFacts[], rgdKinds: ReadonlySet<string>): ValidationResult[] {
  const tiers = apps.map((app) => ({ app, tiers: appTiers(app, rgdKinds) }));
  const results: ValidationResult[] = [];
  for (const { app, tiers: mine } of tiers) {
    if (ruleDisabled('argocd/sync-wave', app.disabled)) continue;
    const diagnostics: Diagnostic[] = [];
    for (const tier of mine) {
      for (const other of tiers) {
        if (other.app === app) continue;
        const earlier = [...other.tiers].filter((t) => TIER_RANK[t] < TIER_RANK[tier]);
        if (earlier.length === 0 || other.app.wave < app.wave) continue;
        const needed = earlier.map((t) => TIER_NAME[t]).join(' and ');
        diagnostics.push({
          severity: 'error',
          location: app.location,
          message: `${app.ref.kind ?? 'Application'} ${app.name} syncs ${TIER_NAME[tier]} at sync-wave ${app.wave}, but ${other.app.ref.kind ?? 'Application'} ${other.app.name} (${other.app.ref.file}) that syncs their ${needed} is at wave ${other.app.wave}; give ${app.name} a higher argocd.argoproj.io/sync-wave than ${other.app.wave} (CRDs → RGDs → instances) [argocd/sync-wave]`,
          code: 'argocd/sync-wave',
        });
      }
    }
    if (diagnostics.length > 0) results.push({ resource: app.ref, status: 'invalid', diagnostics });
  }
  return results;
}

/** What an Application deploys: charts count as operators (they bring CRDs); directories are scanned. */
function appTiers(app: AppFacts, rgdKinds: ReadonlySet<string>): Set<SyncTier> {
  const tiers = new Set<SyncTier>();
  if (app.charts) tiers.add('crds');
  let budget = MAX_SCANNED_FILES;
  for (const source of app.sources) {
    if (source.path.includes('{{') || source.excluded || source.foreign) continue;
    const path = normalize(source.path);
    const dirs = source.glob ? globDirectories(app.repoRoot, path) : [path];
    for (const dir of dirs) {
      for (const file of manifestFiles(join(app.repoRoot, dir), source.recurse || source.glob)) {
        if (budget-- <= 0) return tiers;
        for (const kind of kindsIn(file)) {
          if (kind === 'CustomResourceDefinition') tiers.add('crds');
          else if (kind === 'ResourceGraphDefinition') tiers.add('rgds');
          else if (rgdKinds.has(kind)) tiers.add('instances');
        }
      }
    }
  }
  return tiers;
}

function kindsIn(file: string): string[] {
  try {
    const kinds: string[] = [];
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const kind = asRecord(document.toJS())?.kind;
      if (typeof kind === 'string') kinds.push(kind);
    }
    return kinds;
  } catch {
    return [];
  }
}

function manifestFiles(dir: string, recurse: boolean): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return existsSync(dir) && /\.(ya?ml|json)$/.test(dir) ? [dir] : [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    let directory = false;
    try {
      directory = statSync(path).isDirectory();
    } catch {
      return [];
    }
    if (directory) return recurse ? manifestFiles(path, recurse) : [];
    return /\.(ya?ml|json)$/.test(name) ? [path] : [];
  });
}

/** Directories under root matching a git generator pattern (`*` per segment, `**` not supported). */
function globDirectories(root: string, pattern: string): string[] {
  let current = [''];
  for (const segment of pattern.split('/').filter((s) => s !== '' && s !== '.')) {
    const next: string[] = [];
    for (const base of current) {
      if (!segment.includes('*') && !segment.includes('?')) {
        const candidate = base ? `${base}/${segment}` : segment;
        if (existsSync(join(root, candidate))) next.push(candidate);
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(join(root, base)).sort();
      } catch {
        names = [];
      }
      for (const name of names) {
        const candidate = base ? `${base}/${name}` : name;
        if (globMatches(segment, name) && statSync(join(root, candidate)).isDirectory()) next.push(candidate);
      }
    }
    current = next;
  }
  return current.filter((c) => c !== '');
}

function globMatches(pattern: string, text: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+^${}()|[\]\\?]/g, '\\$&')).join('[^/]*')}$`);
  return regex.test(text);
}

function normalize(path: string): string {
  const cleaned = relative('.', join('.', path)).split(sep).join('/');
  return cleaned === '' ? '.' : cleaned;
}

function isAncestor(path: string, target: string): boolean {
  return path === '.' || target.startsWith(`${path}/`);
}
