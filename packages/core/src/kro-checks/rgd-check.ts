// kro-checks: kro's rules as validation stages. They sit above validate/ (what a check is) and kro/
// (what kro does), so kro/ never imports validate/ and validate/ may use kro's schema conversion.
import type { CelType } from '../kro/cel-analysis.js';
import { analyzeRgd, type RgdAnalysis, type RgdExpression, type RgdPath } from '../kro/rgd-analysis.js';
import type { Diagnostic } from '../report/diagnostic.js';
import type { CheckContext, ResourceCheck } from '../validate/checks.js';
import type { SchemaViolation } from '../validate/schema/source.js';
import { splitApiVersion } from '../validate/signature.js';
import { formatFieldPath, type ManifestResource } from '../validate/types.js';
import { violationDiagnostics } from '../validate/violations.js';

/** The id of the kro analysis stage; its diagnostic codes are `kro/<rule>`. */
export const KRO_CHECK_ID = 'kro';

/** Whether a resource is a kro ResourceGraphDefinition. */
export function isRgd(resource: ManifestResource): boolean {
  return resource.signature.kind === 'ResourceGraphDefinition' && resource.signature.group === 'kro.run';
}

/**
 * The offline kro analysis as a validation stage: graph findings (analyzeRgd) located in the file,
 * then every resource template validated against its kind's schema from the run's registry, with
 * each `${…}` field standing in as a value of its expression's type.
 */
export function kroCheck(): ResourceCheck {
  return {
    id: KRO_CHECK_ID,
    appliesTo: isRgd,
    check: (resource, context) => kroDiagnostics(resource, context),
  };
}

export async function kroDiagnostics(resource: ManifestResource, context?: Pick<CheckContext, 'schemas'>): Promise<Diagnostic[]> {
  const analysis = analyzeRgd(resource.object);
  const diagnostics: Diagnostic[] = analysis.findings.map((finding) => ({
    severity: finding.severity ?? 'error',
    location: resource.locator.locate(finding.path, finding.target ?? 'value'),
    message: `${finding.message} [${finding.code}]`,
    code: finding.code,
  }));
  if (context?.schemas) diagnostics.push(...(await templateDiagnostics(resource, analysis, context.schemas)));
  return diagnostics;
}

const PLACEHOLDERS: Partial<Record<CelType, unknown>> = { string: '0', int: 1, uint: 1, double: 1.5, bool: true, list: [], map: {}, null: null };

async function templateDiagnostics(resource: ManifestResource, analysis: RgdAnalysis, schemas: CheckContext['schemas']): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const resources = (resource.object.spec as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) return diagnostics;
  const byPath = new Map<string, RgdExpression>();
  for (const expression of analysis.expressions) byPath.set(key(expression.path), expression);

  for (const [index, item] of resources.entries()) {
    const template = (item as { template?: unknown } | null)?.template as Record<string, unknown> | undefined;
    const id = (item as { id?: unknown } | null)?.id;
    if (!template || typeof template !== 'object' || typeof template.apiVersion !== 'string' || typeof template.kind !== 'string') continue;
    if (template.apiVersion.includes('${') || template.kind.includes('${')) continue;
    const base: RgdPath = ['spec', 'resources', index, 'template'];
    const { group, version } = splitApiVersion(template.apiVersion);
    let schema;
    try {
      schema = await schemas.lookup({ apiVersion: template.apiVersion, kind: template.kind, group, version });
    } catch {
      schema = undefined;
    }
    if (!schema) {
      diagnostics.push({
        severity: 'warning',
        location: resource.locator.locate([...base, 'kind']),
        message: `schema not found for ${template.kind} (${template.apiVersion}) in template '${String(id)}'; its fields are not checked — run 'ray-gitops schemas fetch' or pass its CRD with --crds [kro/template-schema]`,
        code: 'kro/template-schema',
      });
      continue;
    }
    // every ${…} becomes a value of its type; fields whose type is unknown are not judged
    const dynamic: RgdPath[] = [];
    const typed = new Map<string, RgdExpression>();
    const substituted = substitute(template, base, (path) => {
      const expression = byPath.get(key(path));
      if (!expression) {
        // not analysed (a duplicate id, a syntax error): not judged here, the analysis reported it
        dynamic.push(path);
        return '0';
      }
      if (!expression.standalone) return '0';
      const placeholder = PLACEHOLDERS[expression.type];
      if (expression.type === 'dyn' || placeholder === undefined) {
        dynamic.push(path);
        return '0';
      }
      typed.set(key(path.slice(base.length)), expression);
      return structuredClone(placeholder);
    });
    const relativeDynamic = dynamic.map((path) => path.slice(base.length));
    const expressionPaths = new Set(analysis.expressions.filter((e) => startsWith(e.path, base)).map((e) => key(e.path.slice(base.length))));
    const kept: SchemaViolation[] = [];
    for (const violation of schema.validate(substituted)) {
      if (relativeDynamic.some((path) => startsWith(violation.path, path))) continue;
      const expression = typed.get(key(violation.path));
      if (expression) {
        if (violation.keyword !== 'type' && violation.keyword !== 'anyOf' && violation.keyword !== 'oneOf') continue;
        diagnostics.push({
          severity: 'error',
          location: resource.locator.locate([...base, ...violation.path]),
          message: `template '${String(id)}' ${formatFieldPath(violation.path)}: \${${expression.expression.source.trim()}} returns ${expression.type}, which the ${template.kind} schema does not accept here (type mismatch) [kro/template-type]`,
          code: 'kro/template-type',
        });
        continue;
      }
      if (expressionPaths.has(key(violation.path)) && violation.keyword !== 'type') continue;
      kept.push(violation);
    }
    if (kept.length > 0) {
      const nested: ManifestResource = {
        ...resource,
        object: substituted as Record<string, unknown>,
        signature: { ...resource.signature, apiVersion: template.apiVersion, kind: template.kind, group, version },
        locator: { file: resource.locator.file, locate: (path, target) => resource.locator.locate([...base, ...path], target) },
      };
      for (const diagnostic of violationDiagnostics(nested, kept)) {
        diagnostics.push({ ...diagnostic, message: `template '${String(id)}': ${diagnostic.message} [kro/template-schema]`, code: 'kro/template-schema' });
      }
    }
  }
  return diagnostics;
}

/** A copy of `value` with each string holding `${` replaced by `replace(path, text)`. */
function substitute(value: unknown, path: RgdPath, replace: (path: RgdPath, text: string) => unknown): unknown {
  if (typeof value === 'string') return value.includes('${') ? replace(path, value) : value;
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, [...path, index], replace) ?? null);
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [field, child] of Object.entries(value)) {
      const replaced = substitute(child, [...path, field], replace);
      if (replaced !== undefined) result[field] = replaced;
    }
    return result;
  }
  return value;
}

function key(path: readonly (string | number)[]): string {
  return path.map(String).join('\u0000');
}

function startsWith(path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => String(segment) === String(path[index]));
}
