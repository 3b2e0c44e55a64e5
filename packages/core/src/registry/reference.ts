import { ImageReferenceError } from './errors.js';

/** Where Docker Hub's registry API lives; `docker.io/...` and bare names go there. */
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';

/** A parsed `[registry/]repository[:tag][@sha256:…]`, as the distribution project's reference grammar has it. */
export interface ImageReference {
  /** host[:port] of the registry API, Docker Hub normalized to registry-1.docker.io */
  readonly registry: string;
  /** repository path inside the registry; Docker Hub's official images get `library/` */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 hex>` */
  readonly digest?: string;
  /** the name part as written (without tag and digest), kept so a rewrite changes nothing else */
  readonly name: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Parses an image reference; a malformed one is an ImageReferenceError naming what is wrong. */
export function parseImageReference(ref: string): ImageReference {
  const fail = (why: string): never => {
    throw new ImageReferenceError(`image reference '${ref}' ${why}; write it as [registry/]repository:tag[@sha256:<64 hex>]`);
  };
  if (ref.trim() !== ref || ref === '') fail('is empty or has spaces around it');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`has a digest '${digest}' that is not sha256:<64 lowercase hex>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`has a tag '${tag}' that is not a valid tag`);
  }
  const name = rest;
  const parts = name.split('/');
  // the first component is a registry host when it has a dot or a port, or is localhost (docker's rule)
  let registry = DOCKER_HUB_REGISTRY;
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost' || parts[0]!.startsWith('['))) {
    registry = parts.shift()!;
    if (!HOST.test(registry)) fail(`names a registry '${registry}' that is not a host[:port]`);
  }
  if (parts.length === 0 || !parts.every((part) => COMPONENT.test(part))) fail('has a repository path that is not lowercase letters, digits and separators');
  if (registry === 'docker.io' || registry === 'index.docker.io') registry = DOCKER_HUB_REGISTRY;
  const repository = registry === DOCKER_HUB_REGISTRY && parts.length === 1 ? `library/${parts[0]!}` : parts.join('/');
  if (tag === undefined && digest === undefined) fail('has neither a tag nor a digest');
  return { registry, repository, name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The reference with its tag kept and the digest set: `name:tag@sha256:…`. */
export function withDigest(reference: ImageReference, digest: string): string {
  return `${reference.name}${reference.tag !== undefined ? `:${reference.tag}` : ''}@${digest}`;
}

/** Loopback registries speak plain HTTP (as docker allows for localhost); every other one HTTPS. */
export function registryBaseUrl(registry: string): string {
  const host = registry.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return `${loopback ? 'http' : 'https'}://${registry}`;
}
