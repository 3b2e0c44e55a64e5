import { evaluateCel, KroExpressionError } from './cel-evaluate.js';
import type { JsonSchemaProps } from './openapi.js';

export { KroExpressionError };

/** What expressions see: `schema` (the instance, defaults applied) and every resource expanded so far, by id. */
type ExpansionContext = Readonly<Record<string, unknown>>;

/** One `${…}` in a string: where it starts and ends, and the CEL inside. */
export interface TemplateExpression {
  readonly start: number;
  readonly end: number;
  readonly source: string;
}

/**
 * The `${…}` expressions of a string, as kro finds them: braces inside string literals and nested
 * braces (map literals) do not end an expression.
 */
export function findExpressions(text: string): TemplateExpression[] {
  const found: TemplateExpression[] = [];
  let index = text.indexOf('${');
  while (index !== -1) {
    // kro's extractExpressions: only double-quoted literals hide braces, and `\` escapes inside them
    let depth = 0;
    let inLiteral = false;
    let end = -1;
    for (let i = index + 2; i < text.length; i += 1) {
      const char = text[i]!;
      if (inLiteral && char === '\\') {
        i += 1;
      } else if (char === '"') {
        inLiteral = !inLiteral;
      } else if (inLiteral) {
        continue;
      } else if (char === '{') {
        depth += 1;
      } else if (char === '}') {
        if (depth === 0) {
          end = i;
          break;
        }
        depth -= 1;
      }
    }
    if (end === -1) throw new KroExpressionError(`unterminated \${ in '${text}'`);
    found.push({ start: index, end: end + 1, source: text.slice(index + 2, end) });
    index = text.indexOf('${', end + 1);
  }
  return found;
}

/**
 * Expands a resource template for one instance, as kro does: a string that is exactly one `${expr}`
 * becomes the expression's value, whatever its type; a string with text around or between
 * expressions is a string template, and every expression in it must return a string.
 */
export function expandTemplate(template: unknown, context: ExpansionContext): unknown {
  if (typeof template === 'string') return expandString(template, context);
  if (Array.isArray(template)) return template.map((item) => expandTemplate(item, context));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, expandTemplate(value, context)]));
  }
  return template;
}

function expandString(text: string, context: ExpansionContext): unknown {
  const expressions = findExpressions(text);
  if (expressions.length === 0) return text;
  const only = expressions[0]!;
  if (expressions.length === 1 && only.start === 0 && only.end === text.length) return evaluateCel(only.source, context);
  let result = '';
  let last = 0;
  for (const expression of expressions) {
    const value = evaluateCel(expression.source, context);
    if (typeof value !== 'string') {
      throw new KroExpressionError(`\${${expression.source}} is inside a string template and must return a string, but returned ${JSON.stringify(value)}; wrap it in string()`);
    }
    result += text.slice(last, expression.start) + value;
    last = expression.end;
  }
  return result + text.slice(last);
}

/**
 * Fills defaults as the API server does for a structural schema: a missing property with a default
 * gets it (copied), then every object present is defaulted recursively.
 */
export function applyDefaults(schema: JsonSchemaProps, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return schema.items ? value.map((item) => applyDefaults(schema.items!, item)) : value;
  const result: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (result[key] === undefined && child.default !== undefined) result[key] = structuredClone(child.default);
    if (result[key] !== undefined) result[key] = applyDefaults(child, result[key]);
  }
  if (schema.additionalProperties) {
    for (const key of Object.keys(result)) {
      if (!schema.properties?.[key]) result[key] = applyDefaults(schema.additionalProperties, result[key]);
    }
  }
  return result;
}

/** One resource of an RGD (`spec.resources[]`). */
export interface RgdResource {
  readonly id: string;
  readonly template: unknown;
  readonly includeWhen?: readonly string[];
  readonly readyWhen?: readonly string[];
}

/**
 * Every resource kro would create for an instance, in the RGD's order: `includeWhen` evaluated,
 * templates expanded with `schema` and the resources before them in scope. `instance` must already
 * carry its CRD defaults (see applyDefaults).
 */
export function expandResourceGraph(
  resources: readonly RgdResource[],
  instance: Record<string, unknown>,
): { id: string; object: Record<string, unknown> }[] {
  const scope: Record<string, unknown> = { schema: instance };
  const expanded: { id: string; object: Record<string, unknown> }[] = [];
  for (const resource of resources) {
    const included = (resource.includeWhen ?? []).every((condition) => {
      const value = expandString(condition, scope);
      if (typeof value !== 'boolean') throw new KroExpressionError(`includeWhen of ${resource.id} must return a bool: ${condition}`);
      return value;
    });
    if (!included) continue;
    const object = expandTemplate(resource.template, scope) as Record<string, unknown>;
    scope[resource.id] = object;
    expanded.push({ id: resource.id, object });
  }
  return expanded;
}
