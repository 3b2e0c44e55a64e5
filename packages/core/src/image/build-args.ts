import type { DockerfileFacts } from './dockerfile.js';
import type { VersionsFile } from './versions.js';
import { UsageError } from '../errors/index.js';
import type { SourceLocation } from '../report/index.js';

/**
 * Build arguments that say where an image came from, not what is in it. They are passed to the
 * build (OCI labels) but left out of the content tag: otherwise every commit would be a new tag
 * and every run a rebuild. The image built from commit A and reused at commit B says "built from A".
 */
const PROVENANCE_BUILD_ARGS = ['OCI_SOURCE', 'OCI_REVISION', 'CONTENT_TAG'] as const;
export type ProvenanceArg = (typeof PROVENANCE_BUILD_ARGS)[number];

export function isProvenanceArg(name: string): name is ProvenanceArg {
  return (PROVENANCE_BUILD_ARGS as readonly string[]).includes(name);
}

type BuildArgOrigin =
  | { readonly kind: 'versions'; readonly key: string; readonly location: SourceLocation }
  | { readonly kind: 'override' };

export interface ResolvedBuildArgs {
  /** the arguments that define the image, sorted by name; part of the content tag */
  readonly content: Readonly<Record<string, string>>;
  /** where each content argument's value came from */
  readonly origins: ReadonlyMap<string, BuildArgOrigin>;
  /** `--build-arg` names the Dockerfile never declares (Docker ignores them with a warning) */
  readonly unusedOverrides: readonly string[];
}

/**
 * Every ARG the Dockerfile declares takes its value from an explicit `--build-arg`, else from the
 * versions file (by the key→name rule), else the Dockerfile's own default (not passed: the
 * Dockerfile is hashed already). Versions entries the Dockerfile does not declare are not passed.
 */
export function resolveBuildArgs(facts: DockerfileFacts, versions: VersionsFile, overrides: Readonly<Record<string, string>>): ResolvedBuildArgs {
  const declared = new Set(facts.args.map((a) => a.name));
  const fromVersions = new Map(versions.entries.map((e) => [e.buildArg, e]));
  const content: Record<string, string> = {};
  const origins = new Map<string, BuildArgOrigin>();
  for (const name of [...declared].sort()) {
    if (isProvenanceArg(name)) continue;
    if (Object.hasOwn(overrides, name)) {
      content[name] = overrides[name]!;
      origins.set(name, { kind: 'override' });
      continue;
    }
    const entry = fromVersions.get(name);
    if (entry) {
      content[name] = entry.value;
      origins.set(name, { kind: 'versions', key: entry.key, location: entry.location });
    }
  }
  const unusedOverrides = Object.keys(overrides).filter((name) => !declared.has(name)).sort();
  for (const name of unusedOverrides) {
    if (isProvenanceArg(name)) continue;
    content[name] = overrides[name]!;
    origins.set(name, { kind: 'override' });
  }
  return { content: sortRecord(content), origins, unusedOverrides };
}

/** Parses `KEY=VALUE` lines (CLI `--build-arg`, the action's `build-args` input). */
export function parseKeyValues(lines: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new UsageError(`${what} '${line}' is not KEY=VALUE.`);
    }
    out[key] = line.slice(eq + 1);
  }
  return out;
}

function sortRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
