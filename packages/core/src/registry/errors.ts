import { RayGitopsError } from '../errors/index.js';

/** A registry could not answer what was asked: unreachable, no such tag, credentials needed or refused. */
export class RegistryError extends RayGitopsError {}

/** An image reference that does not follow the distribution reference grammar. */
export class ImageReferenceError extends RayGitopsError {}
