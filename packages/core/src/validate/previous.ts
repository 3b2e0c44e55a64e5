// `--previous REF`: the manifests as they were at a git revision, so rules that compare an object with
// its previous version (CEL transition rules, breaking RGD schema changes) have something to compare.
import { execFile } from 'node:child_process';
import { relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { hasManifestExtension } from './discover.js';
import { YAML_OPTIONS } from './parse.js';
import { UsageError } from '../errors/errors.js';

/** The objects of the tree at REF, found by apiVersion/kind/namespace/name. */
export interface PreviousTree {
  /** the revision as the user named it */
  readonly ref: string;
  /** every object of the tree, as plain data (what a worker thread rebuilds the tree from) */
  readonly objects: readonly Record<string, unknown>[];
  find(identity: ObjectIdentity): Record<string, unknown> | undefined;
  /** every previous object of a kind (e.g. every ResourceGraphDefinition) */
  ofKind(apiVersionPrefix: string, kind: string): Record<string, unknown>[];
}

interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
}

function identityKey(identity: ObjectIdentity): string {
  return [identity.apiVersion, identity.kind, identity.namespace ?? '', identity.name ?? ''].join('\u0000');
}

/** A tree made of objects already in hand (tests, or a caller that read them elsewhere). */
export function previousTreeOf(ref: string, objects: readonly Record<string, unknown>[]): PreviousTree {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const object of objects) {
    const identity = identityOf(object);
    if (identity) byKey.set(identityKey(identity), object);
  }
  return {
    ref,
    objects,
    find: (identity) => byKey.get(identityKey(identity)),
    ofKind: (apiVersionPrefix, kind) => objects.filter((o) => o.kind === kind && typeof o.apiVersion === 'string' && o.apiVersion.startsWith(apiVersionPrefix)),
  };
}

function identityOf(object: Record<string, unknown>): ObjectIdentity | undefined {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return undefined;
  const metadata = object.metadata as { name?: unknown; namespace?: unknown } | undefined;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(typeof metadata?.namespace === 'string' ? { namespace: metadata.namespace } : {}),
    ...(typeof metadata?.name === 'string' ? { name: metadata.name } : {}),
  };
}

/**
 * Reads every manifest under `paths` (files or directories, relative to `cwd`) as it was at `ref`
 * in the git repository that holds `cwd`. A path that did not exist at REF simply adds nothing.
 */
export async function loadPreviousTree(ref: string, paths: readonly string[], cwd = process.cwd()): Promise<PreviousTree> {
  if (ref === '' || ref.startsWith('-') || /[\s\0]/.test(ref)) {
    throw new UsageError(`--previous '${ref}' is not a git revision; pass a commit, branch or tag such as HEAD~1 or origin/main`);
  }
  const top = (await git(['rev-parse', '--show-toplevel'], cwd, `--previous ${ref}: ${cwd} is not inside a git repository; run from the repository or drop --previous`)).trim();
  const commit = (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd, `--previous ${ref}: no such commit in this repository (fetch it first, e.g. git fetch origin ${ref}, or use fetch-depth: 0 in CI)`)).trim();
  const specs = paths.filter((path) => path !== '-').map((path) => relative(top, resolve(cwd, path)) || '.');
  if (specs.some((spec) => spec.startsWith('..'))) {
    throw new UsageError(`--previous ${ref}: every PATH must be inside the repository at ${top}`);
  }
  const listing = await git(['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit, '--', ...specs], top, `--previous ${ref}: cannot list the tree`);
  const files = listing.split('\0').filter((file) => file !== '' && hasManifestExtension(file));
  const objects: Record<string, unknown>[] = [];
  for (const file of files) {
    const text = await git(['cat-file', 'blob', `${commit}:${file}`], top, `--previous ${ref}: cannot read ${file}`);
    for (const document of parseAllDocuments(text, YAML_OPTIONS)) {
      if (document.errors.length > 0) continue; // a file that was broken then has no previous version to compare with
      const value: unknown = document.toJS();
      if (!isObject(value)) continue;
      if (value.kind === 'List' && Array.isArray(value.items)) objects.push(...value.items.filter(isObject));
      else objects.push(value);
    }
  }
  return previousTreeOf(ref, objects);
}

function git(args: readonly string[], cwd: string, failure: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', ['-c', 'core.quotePath=false', ...args], { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } }, (error, stdout) => {
      if (error) reject(new UsageError(typeof error.code === 'number' ? failure : `--previous needs git on PATH (${error.message.split('\n')[0]})`));
      else resolvePromise(stdout);
    });
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
