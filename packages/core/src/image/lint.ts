import { isProvenanceArg, type ResolvedBuildArgs } from './build-args.js';
import { expandVariables, type DockerfileFacts } from './dockerfile.js';
import type { Diagnostic, SourceLocation } from '../report/index.js';

/** Names that say "credential": such values must never be an ARG or ENV (both stay in the image history). */
const SECRET_NAME = /(^|_)(SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)($|_)/i;
/** Values that look like a credential whatever they are called: HF, AWS, GitHub tokens. */
const SECRET_VALUE = /\b(hf_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,})\b/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const REMOTE_SOURCE = /^(https?:\/\/|git@|ssh:\/\/|git:\/\/)/i;

interface LintInput {
  readonly facts: DockerfileFacts;
  readonly buildArgs: ResolvedBuildArgs;
  /** names given as named build contexts */
  readonly namedContexts: readonly string[];
}

/**
 * Rules for an image CodeBuild may build and EKS will run: every base pinned by digest, no `latest`,
 * no `ADD` of a URL, no credential in an ARG or ENV, every ARG without a default given a value,
 * every `--from` name either a stage or a provided named context, a non-root final user.
 */
export function lintImageDefinition(input: LintInput): Diagnostic[] {
  const { facts, buildArgs } = input;
  const out: Diagnostic[] = [];
  const error = (code: string, location: SourceLocation, message: string) => out.push({ severity: 'error', code, location, message });
  const warning = (code: string, location: SourceLocation, message: string) => out.push({ severity: 'warning', code, location, message });

  // values a FROM line sees: global ARG defaults, overridden by the build arguments
  const values = new Map<string, string>();
  for (const arg of facts.globalArgs) if (arg.defaultValue !== undefined) values.set(arg.name, arg.defaultValue);
  for (const [name, value] of Object.entries(buildArgs.content)) values.set(name, value);

  const stages = new Set<string>();
  for (const from of facts.froms) {
    const { value: image, unresolved } = expandVariables(from.image, values);
    if (unresolved.length > 0) {
      error('image/unresolved-base', from.location,
        `FROM ${from.image} needs ${unresolved.map((n) => `${n}`).join(', ')}, which has no value; add it to versions.json or pass --build-arg.`);
    } else if (!stages.has(image.toLowerCase()) && image !== 'scratch') {
      const origin = baseOrigin(from.image, buildArgs);
      const where = origin ?? from.location;
      const tag = /^[^@]*:([^/@]+)(@|$)/.exec(image)?.[1];
      if (tag === 'latest' || (tag === undefined && !DIGEST.test(image))) {
        error('image/latest-tag', where, `base image ${image} uses the moving 'latest' tag; name a version tag and pin it by digest.`);
      }
      if (!DIGEST.test(image)) {
        error('image/base-not-pinned', where,
          `base image ${image} is not pinned by digest, so no build starts; run 'ray-gitops pin' (or the pin-images ` +
            'workflow, .github/workflows/pin-images.yml) to write its tag@sha256:<digest> into versions.json.');
      }
    }
    if (from.stageName) stages.add(from.stageName.toLowerCase());
  }

  for (const add of facts.adds) {
    for (const source of add.sources) {
      if (REMOTE_SOURCE.test(source) || source.endsWith('.git')) {
        error('image/add-url', add.location,
          `ADD ${source} fetches from the network at build time, unpinned and unverified; install it with a pinned package or COPY a vendored file.`);
      }
    }
  }

  for (const arg of facts.args) {
    if (SECRET_NAME.test(arg.name)) {
      error('image/secret-in-arg', arg.location,
        `ARG ${arg.name} would keep a credential in the image history; use a BuildKit secret mount (RUN --mount=type=secret) or none at all.`);
    } else if (arg.defaultValue && SECRET_VALUE.test(arg.defaultValue)) {
      error('image/secret-in-arg', arg.location, `ARG ${arg.name} has a default that looks like a credential; remove it and rotate the credential.`);
    }
  }
  for (const env of facts.envs) {
    if (SECRET_NAME.test(env.name) && env.value !== '') {
      error('image/secret-in-env', env.location,
        `ENV ${env.name} bakes a credential into every container of this image; pass it at run time from a Kubernetes Secret.`);
    } else if (SECRET_VALUE.test(env.value)) {
      error('image/secret-in-env', env.location, `ENV ${env.name} has a value that looks like a credential; remove it and rotate the credential.`);
    }
  }
  for (const [name, value] of Object.entries(buildArgs.content)) {
    if (buildArgs.origins.get(name)?.kind !== 'override') continue;
    if (SECRET_NAME.test(name) || SECRET_VALUE.test(value)) {
      error('image/secret-in-arg', { file: facts.path, line: 1, column: 1 },
        `--build-arg ${name} would keep a credential in the image history; build arguments are not secrets.`);
    }
  }

  const given = new Set([...Object.keys(buildArgs.content)]);
  const reported = new Set<string>();
  for (const arg of facts.args) {
    if (arg.defaultValue !== undefined || given.has(arg.name) || isProvenanceArg(arg.name) || reported.has(arg.name)) continue;
    reported.add(arg.name);
    error('image/missing-build-arg', arg.location,
      `ARG ${arg.name} has no default and no value; add a key to versions.json that maps to it, or pass --build-arg ${arg.name}=….`);
  }
  for (const name of buildArgs.unusedOverrides) {
    if (isProvenanceArg(name)) continue;
    warning('image/unused-build-arg', { file: facts.path, line: 1, column: 1 }, `--build-arg ${name} is not declared by any ARG; it changes the content tag but not the image.`);
  }

  const named = new Set(input.namedContexts);
  for (const ref of facts.contextRefs) {
    if (named.has(ref.name)) continue;
    error('image/unknown-named-context', ref.location,
      `--from=${ref.name} is neither an earlier stage nor a named build context; pass --named-context ${ref.name}=DIR.`);
  }

  const lastUser = facts.finalStageUsers.at(-1);
  if (!lastUser) {
    warning('image/no-user', facts.froms.at(-1)?.location ?? { file: facts.path, line: 1, column: 1 },
      'the final stage sets no USER, so containers run as the base image\'s user; end with a non-root USER.');
  } else if (/^(root|0)(:.*)?$/.test(lastUser.user)) {
    error('image/root-user', lastUser.location, `the image ends as USER ${lastUser.user}; switch back to the base image's non-root user (ray) after installing.`);
  }
  return out;
}

/** When FROM is `${NAME}` and NAME came from versions.json, point at that key: that is where the fix goes. */
function baseOrigin(image: string, buildArgs: ResolvedBuildArgs): SourceLocation | undefined {
  const match = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(image.trim());
  if (!match) return undefined;
  const origin = buildArgs.origins.get(match[1]!);
  return origin?.kind === 'versions' ? origin.location : undefined;
}
