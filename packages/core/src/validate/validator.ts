import { runChecks, type ResourceCheck } from './checks.js';
import type { ParsedManifest } from './parse.js';
import type { PreviousTree } from './previous.js';
import type { SchemaRegistry } from './schema/registry.js';
import type { ResourceSchema } from './schema/source.js';
import { matchesKind } from './signature.js';
import { refOf, type ManifestResource, type ValidationResult } from './types.js';
import { violationDiagnostics } from './violations.js';
import { sortDiagnostics, type Diagnostic } from '../report/diagnostic.js';

interface ResourceValidatorOptions {
  readonly registry: SchemaRegistry;
  /** a kind with no schema is skipped instead of an error */
  readonly ignoreMissingSchemas?: boolean;
  /** `Kind` or `apiVersion/Kind` entries never validated (status skipped) */
  readonly skipKinds?: ReadonlySet<string>;
  /** `Kind` or `apiVersion/Kind` entries that must not appear (status error) */
  readonly rejectKinds?: ReadonlySet<string>;
  readonly checks?: readonly ResourceCheck[];
  /** check rule ids switched off (global flag and the file's `# ray-gitops:disable` comments) */
  readonly disabledRules?: readonly string[];
  readonly repoRoot?: string;
  /** the tree at `--previous REF`: transition rules compare each object with its version there */
  readonly previous?: PreviousTree;
}

/**
 * Validates one parsed document: kubeconform's `ValidateResource`, returning a located result.
 * Order: skip list, reject list, schema lookup (missing → error or skipped), schema, then checks.
 */
export async function validateParsed(parsed: ParsedManifest, options: ResourceValidatorOptions): Promise<ValidationResult> {
  if (parsed.type === 'empty') return { resource: parsed.ref, status: 'empty', diagnostics: [] };
  if (parsed.type === 'error') return { resource: parsed.ref, status: 'error', diagnostics: parsed.diagnostics };
  const { resource } = parsed;
  const ref = refOf(resource);
  const { signature } = resource;

  if (options.skipKinds && matchesKind(signature, options.skipKinds)) return { resource: ref, status: 'skipped', diagnostics: [] };
  if (options.rejectKinds && matchesKind(signature, options.rejectKinds)) {
    return {
      resource: ref,
      status: 'error',
      diagnostics: [at(resource, ['kind'], `prohibited resource kind ${signature.kind}: this repository does not allow it`, 'manifest/rejected-kind')],
    };
  }

  let schema: ResourceSchema | undefined;
  try {
    schema = await options.registry.lookup(signature);
  } catch (error) {
    return {
      resource: ref,
      status: 'error',
      diagnostics: [at(resource, ['apiVersion'], `cannot load the schema for ${signature.kind}: ${(error as Error).message}`, 'schema/unavailable')],
    };
  }

  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const previous = options.previous?.find(signature);
  if (schema) {
    const violations = schema.validate(resource.object);
    diagnostics.push(...violationDiagnostics(resource, violations));
    // like the API server, CEL rules only run on an object whose fields have the right types
    if (schema.celRules && !violations.some((v) => v.keyword === 'type' || v.keyword === 'anyOf' || v.keyword === 'oneOf')) {
      for (const finding of schema.celRules.evaluate(resource.object, previous)) {
        const location = resource.locator.locate(finding.path, finding.target);
        diagnostics.push({ severity: finding.severity, location, message: finding.message, code: finding.code });
      }
    }
    if (schema.deprecation) {
      diagnostics.push({ ...at(resource, ['apiVersion'], `${schema.deprecation}`, 'schema/deprecated-version'), severity: 'warning' });
    }
  }
  if (options.checks?.length) {
    diagnostics.push(
      ...(await runChecks(options.checks, resource, {
        strict: options.registry.strict,
        schemas: options.registry,
        ...(schema ? { schema } : {}),
        ...(options.disabledRules?.length ? { disabledRules: new Set(options.disabledRules) } : {}),
        ...(options.repoRoot !== undefined ? { repoRoot: options.repoRoot } : {}),
        ...(options.previous ? { previous: options.previous } : {}),
      })),
    );
  }
  const failed = diagnostics.some((d) => d.severity === 'error');

  if (!schema) {
    if (options.ignoreMissingSchemas) return { resource: ref, status: failed ? 'invalid' : 'skipped', diagnostics: sortDiagnostics(diagnostics) };
    return {
      resource: ref,
      status: 'error',
      diagnostics: sortDiagnostics([
        ...diagnostics,
        at(
          resource,
          ['kind'],
          `could not find schema for ${signature.kind} (${signature.apiVersion}); 'ray-gitops schemas fetch' caches the upstream CRDs, or pass its CRD with --crds, ` +
            'add a --schema-location that has it, or skip such kinds with --ignore-missing-schemas',
          'schema/missing',
        ),
      ]),
    };
  }
  return {
    resource: ref,
    status: failed ? 'invalid' : 'valid',
    diagnostics: sortDiagnostics(diagnostics),
    ...(schema ? { schemaSource: schema.source } : {}),
  };
}

function at(resource: ManifestResource, path: (string | number)[], message: string, code: string): Diagnostic {
  return { severity: 'error', location: resource.locator.locate(path), message, code };
}

