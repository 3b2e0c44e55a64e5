// x-kubernetes-validations: the CEL rules a CRD declares on its schema nodes, evaluated the way the
// API server evaluates them (apiextensions-apiserver schema/cel): at the node that declares them, with
// `self` = that node's value and, for transition rules, `oldSelf` = the same node in the previous
// version of the object. Evaluated with @marcbachmann/cel-js.
import { Environment } from '@marcbachmann/cel-js';
import { formatFieldPath, type FieldPath } from '../types.js';

/** One rule broken, or one rule this run could not evaluate (a Kubernetes CEL library function cel-js lacks). */
interface CelRuleFinding {
  readonly path: FieldPath;
  readonly target: 'key' | 'value';
  readonly severity: 'error' | 'warning';
  readonly code: 'schema/cel-rule' | 'schema/cel-unevaluated';
  readonly message: string;
}

/** The rules of one schema, compiled once and walked per object. */
export interface CelRules {
  /** the number of rules declared in the schema */
  readonly count: number;
  evaluate(object: unknown, previous?: unknown): CelRuleFinding[];
}

interface Rule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
  readonly transition: boolean;
  readonly optionalOldSelf: boolean;
}

/** A schema node on the way to a rule: nodes with no rule below them are left out of the walk. */
interface RuleNode {
  readonly schema: Record<string, unknown>;
  readonly rules: readonly Rule[];
  readonly properties: ReadonlyMap<string, RuleNode>;
  readonly additional?: RuleNode;
  readonly items?: RuleNode;
  /** `x-kubernetes-list-type: map` keys: how list items are matched with their previous version */
  readonly listMapKeys?: readonly string[];
}

// one environment for every schema: `self`/`oldSelf` are dynamic, literals may mix types as in Kubernetes
const environment = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false });
const compiled = new Map<string, ((context: Record<string, unknown>) => unknown) | Error>();

/**
 * cel-js refuses has() on a field of an indexed value (`has(self.matches[0].path)`, which CEL allows and
 * the Gateway API CRDs use). On JSON objects, which are CEL maps here, `'path' in self.matches[0]` means
 * the same, so that form is rewritten before parsing; has() on plain selections is left as it is.
 */
function withIndexedHas(expression: string): string {
  return expression.replace(/\bhas\(([^()]*\[[^()]*?)\.([A-Za-z_][A-Za-z0-9_]*)\)/g, "('$2' in $1)");
}

function program(expression: string): ((context: Record<string, unknown>) => unknown) | Error {
  let found = compiled.get(expression);
  if (!found) {
    try {
      const parsed = environment.parse(withIndexedHas(expression));
      found = (context) => parsed(context);
    } catch (error) {
      found = error as Error;
    }
    compiled.set(expression, found);
  }
  return found;
}

/** The CEL rules of a CRD version's openAPIV3Schema, or undefined when it declares none. */
export function compileCelRules(openApiSchema: unknown): CelRules | undefined {
  let count = 0;
  const build = (input: unknown): RuleNode | undefined => {
    if (!isObject(input)) return undefined;
    const rules = ruleList(input['x-kubernetes-validations']);
    count += rules.length;
    const properties = new Map<string, RuleNode>();
    if (isObject(input.properties)) {
      for (const [name, child] of Object.entries(input.properties)) {
        const node = build(child);
        if (node) properties.set(name, node);
      }
    }
    const additional = isObject(input.additionalProperties) ? build(input.additionalProperties) : undefined;
    const items = build(input.items);
    if (rules.length === 0 && properties.size === 0 && !additional && !items) return undefined;
    const keys = input['x-kubernetes-list-type'] === 'map' && Array.isArray(input['x-kubernetes-list-map-keys'])
      ? input['x-kubernetes-list-map-keys'].map(String)
      : undefined;
    return {
      schema: input,
      rules,
      properties,
      ...(additional ? { additional } : {}),
      ...(items ? { items } : {}),
      ...(keys ? { listMapKeys: keys } : {}),
    };
  };
  const root = build(openApiSchema);
  if (!root) return undefined;
  return {
    count,
    evaluate(object, previous) {
      const findings: CelRuleFinding[] = [];
      walk(root, object, previous, [], findings);
      return findings;
    },
  };
}

function ruleList(value: unknown): Rule[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).flatMap((entry) => {
    if (typeof entry.rule !== 'string') return [];
    return [{
      rule: entry.rule,
      ...(typeof entry.message === 'string' ? { message: entry.message } : {}),
      ...(typeof entry.messageExpression === 'string' ? { messageExpression: entry.messageExpression } : {}),
      ...(typeof entry.fieldPath === 'string' ? { fieldPath: entry.fieldPath } : {}),
      ...(typeof entry.reason === 'string' ? { reason: entry.reason } : {}),
      transition: /\boldSelf\b/.test(entry.rule),
      optionalOldSelf: entry.optionalOldSelf === true,
    }];
  });
}

function walk(node: RuleNode, value: unknown, old: unknown, path: FieldPath, findings: CelRuleFinding[]): void {
  if (value === undefined || value === null) return;
  if (node.rules.length > 0) evaluateRules(node, value, old, path, findings);
  if (isObject(value)) {
    for (const [name, child] of node.properties) {
      if (name in value) walk(child, value[name], isObject(old) ? old[name] : undefined, [...path, name], findings);
    }
    if (node.additional) {
      for (const [key, item] of Object.entries(value)) {
        if (!node.properties.has(key)) walk(node.additional, item, isObject(old) ? old[key] : undefined, [...path, key], findings);
      }
    }
  } else if (Array.isArray(value) && node.items) {
    value.forEach((item, index) => walk(node.items!, item, correlate(node, item, old), [...path, index], findings));
  }
}

/** The previous version of a list item: only lists of type map correlate items (by their keys), as in Kubernetes. */
function correlate(node: RuleNode, item: unknown, old: unknown): unknown {
  if (!node.listMapKeys || !Array.isArray(old) || !isObject(item)) return undefined;
  return old.find((candidate) => isObject(candidate) && node.listMapKeys!.every((key) => candidate[key] === item[key]));
}

const REASONS: Record<string, string> = {
  FieldValueRequired: 'Required value',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
};

function evaluateRules(node: RuleNode, value: unknown, old: unknown, path: FieldPath, findings: CelRuleFinding[]): void {
  const self = toCel(node.schema, value);
  let oldSelf: unknown;
  for (const rule of node.rules) {
    // transition rules run on updates only (with optionalOldSelf the server also runs them on create with
    // oldSelf = optional.none(); offline, a create is never compared with anything, so they are left out too)
    if (rule.transition && old === undefined) continue;
    oldSelf ??= old === undefined ? undefined : toCel(node.schema, old);
    const context = rule.transition ? { self, oldSelf } : { self };
    const run = program(rule.rule);
    let result: unknown;
    try {
      if (run instanceof Error) throw run;
      result = run(context);
    } catch (error) {
      findings.push({
        path,
        target: 'value',
        severity: 'warning',
        code: 'schema/cel-unevaluated',
        message: `${label(path)}the rule ${rule.rule} could not be evaluated offline (${firstLine((error as Error).message)}); the API server will evaluate it`,
      });
      continue;
    }
    if (result === true) continue;
    const fieldPath = rule.fieldPath ? [...path, ...parseFieldPath(rule.fieldPath)] : path;
    findings.push({
      path: fieldPath,
      target: 'value',
      severity: 'error',
      code: 'schema/cel-rule',
      message: `${label(fieldPath)}${REASONS[rule.reason ?? ''] ?? 'Invalid value'}: ${ruleMessage(rule, context)} (x-kubernetes-validations rule: ${rule.rule})`,
    });
  }
}

function ruleMessage(rule: Rule, context: Record<string, unknown>): string {
  if (rule.messageExpression) {
    const run = program(rule.messageExpression);
    try {
      if (!(run instanceof Error)) {
        const text = run(context);
        if (typeof text === 'string' && text.trim() !== '') return text;
      }
    } catch {
      // the API server falls back to message (or the rule) when messageExpression fails
    }
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

function label(path: FieldPath): string {
  const text = formatFieldPath(path);
  return text ? `${text}: ` : '';
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** `.spec.replicas`, `.items[0]`, `['a.b']` (a rule's fieldPath, relative to its node). */
export function parseFieldPath(text: string): FieldPath {
  const path: (string | number)[] = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[['"]([^'"]*)['"]\]/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    if (match[1] !== undefined) path.push(match[1]);
    else if (match[2] !== undefined) path.push(Number(match[2]));
    else path.push(match[3]!);
  }
  return path;
}

const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** How Kubernetes exposes a property name to CEL (`namespace` → `__namespace__`, `a-b` → `a__dash__b`); undefined: not accessible. */
export function escapePropertyName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[A-Za-z_./-][A-Za-z0-9_./-]*$/.test(name)) return undefined;
  return name.replaceAll('__', '__underscores__').replaceAll('.', '__dot__').replaceAll('-', '__dash__').replaceAll('/', '__slash__');
}

/** A JSON value as CEL sees it under a schema: integers become int (bigint), declared property names escaped. */
function toCel(schema: Record<string, unknown> | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'number') {
    const integral = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true || (schema?.type === undefined && Number.isInteger(value));
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = isObject(schema?.items) ? schema.items : undefined;
    return value.map((item) => toCel(items, item));
  }
  if (isObject(value)) {
    const properties = isObject(schema?.properties) ? schema.properties : undefined;
    const additional = isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const declared = properties && isObject(properties[key]) ? properties[key] : undefined;
      if (declared) {
        const name = escapePropertyName(key);
        if (name !== undefined) out[name] = toCel(declared, item);
      } else {
        out[key] = toCel(additional, item);
      }
    }
    // the API server applies schema defaults before it evaluates rules (Gateway API's backendRef.group: "")
    for (const [key, declared] of Object.entries(properties ?? {})) {
      const name = escapePropertyName(key);
      if (key in value || name === undefined || !isObject(declared) || !('default' in declared)) continue;
      out[name] = toCel(declared, declared.default);
    }
    return out;
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
