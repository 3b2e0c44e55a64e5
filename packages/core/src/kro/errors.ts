import { RayGitopsError } from '../errors/errors.js';

/** A SimpleSchema kro would reject: unknown type, bad marker, cyclic custom types. */
export class SimpleSchemaError extends RayGitopsError {}
