import { celEnvironment } from './cel-analysis.js';
import { RayGitopsError } from '../errors/errors.js';

/** An expression kro would reject or fail on: syntax, unknown field, wrong type. */
export class KroExpressionError extends RayGitopsError {}

/**
 * Evaluates one CEL expression (the text between `${` and `}`) as kro does, with the same maintained
 * CEL library the analysis parses with (@marcbachmann/cel-js, optional syntax on as kro has it).
 *
 * Values cross the boundary in kro's shapes: a whole JSON number is a CEL `int` (kro types the
 * instance from its schema, and the LLMService schema has integers but no doubles), and results
 * come back as plain JSON (`int` → number, map → object).
 */
export function evaluateCel(source: string, variables: Readonly<Record<string, unknown>>): unknown {
  let result: unknown;
  try {
    result = celEnvironment.evaluate(source, toCel(variables) as Record<string, unknown>);
  } catch (error) {
    throw new KroExpressionError(`${describe(error)} in '${source}'`);
  }
  return fromCel(result);
}

function describe(error: unknown): string {
  const first = ((error as Error).message ?? String(error)).split('\n')[0]!.trim();
  const unknown = /^Unknown variable: (\S+)$/.exec(first);
  if (unknown) return `undeclared reference '${unknown[1]}'`;
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function toCel(value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, child]) => child !== undefined).map(([key, child]) => [key, toCel(child)]));
  }
  return value;
}

function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, child]) => [String(key), fromCel(child)]));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, fromCel(child)]));
  }
  return value;
}
