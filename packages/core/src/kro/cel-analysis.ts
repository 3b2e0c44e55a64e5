import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import type { JsonSchemaProps } from './openapi.js';

/**
 * Static analysis of the CEL inside kro `${…}` expressions, on the AST of a maintained CEL parser
 * (@marcbachmann/cel-js, optional syntax `.?` / `[?]` enabled as kro enables it): the variables an
 * expression reads (with the field path after each), and the type it returns when that can be told
 * without running it.
 */

/** What an expression returns, as far as the analysis can tell (`dyn`: unknown until run time). */
export type CelType = 'string' | 'int' | 'uint' | 'double' | 'bool' | 'bytes' | 'null' | 'list' | 'map' | 'dyn';

/** One read of a top-level variable: `schema.spec.name` → { root: 'schema', path: ['spec', 'name'] }. */
export interface CelReference {
  readonly root: string;
  /** the field names selected after the root, up to the first index or call */
  readonly path: readonly string[];
  /** offset of the reference in the expression */
  readonly start: number;
  /** true if a field was selected with `.?` (optional) somewhere on the path */
  readonly optional: boolean;
}

export interface ParsedCel {
  readonly ast: ASTNode;
  readonly references: readonly CelReference[];
}

/** A CEL syntax error, with the offset in the expression where the parser stopped. */
export class CelSyntaxError extends Error {
  constructor(message: string, readonly offset: number | undefined) {
    super(message);
  }
}

export const celEnvironment = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

/** Macros that bind a variable in their body: `list.exists(x, x > 0)`, `map(k, v, …)` forms included. */
const BINDING_MACROS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'map', 'filter', 'transformList', 'transformMap', 'transformMapEntry', 'sortBy']);

/** Parses one expression (the text between `${` and `}`) and lists its references. */
export function parseCel(source: string): ParsedCel {
  let ast: ASTNode;
  try {
    ast = celEnvironment.parse(source).ast;
  } catch (error) {
    const node = (error as { node?: { start?: number } }).node;
    const message = ((error as Error).message.split('\n')[0] ?? 'syntax error').trim();
    throw new CelSyntaxError(message, node?.start);
  }
  const references: CelReference[] = [];
  collectReferences(ast, new Set(), references);
  return { ast, references };
}

function collectReferences(node: ASTNode, bound: ReadonlySet<string>, out: CelReference[]): void {
  // a selection chain ending in an identifier is one reference
  const chain = selectionChain(node);
  if (chain) {
    if (!bound.has(chain.root)) out.push(chain);
    if (chain.rest) collectReferences(chain.rest, bound, out);
    return;
  }
  switch (node.op) {
    case 'value':
      return;
    case 'id':
      if (!bound.has(node.args)) out.push({ root: node.args, path: [], start: node.start, optional: false });
      return;
    case '.':
    case '.?':
      collectReferences(node.args[0], bound, out);
      return;
    case 'call':
      if (node.args[0] === 'has' && node.args[1].length === 1) {
        // has(a.b.c) reads a.b and tests c: the reference is to the parent object
        const inner = node.args[1][0]!;
        const innerChain = selectionChain(inner);
        if (innerChain && innerChain.path.length > 0 && !bound.has(innerChain.root)) {
          out.push({ ...innerChain, path: innerChain.path.slice(0, -1), optional: true });
          return;
        }
      }
      for (const argument of node.args[1]) collectReferences(argument, bound, out);
      return;
    case 'rcall': {
      const [name, target, args] = node.args;
      collectReferences(target, bound, out);
      if (BINDING_MACROS.has(name) && args.length >= 2) {
        const variables = args.slice(0, args.length - 1).filter((a) => a.op === 'id').map((a) => a.args as string);
        const inner = new Set([...bound, ...variables]);
        collectReferences(args[args.length - 1]!, inner, out);
        return;
      }
      for (const argument of args) collectReferences(argument, bound, out);
      return;
    }
    case 'list':
      for (const item of node.args) collectReferences(item, bound, out);
      return;
    case 'map':
      for (const [key, value] of node.args) {
        collectReferences(key, bound, out);
        collectReferences(value, bound, out);
      }
      return;
    case '?:':
      for (const part of node.args) collectReferences(part, bound, out);
      return;
    case '!_':
    case '-_':
      collectReferences(node.args, bound, out);
      return;
    default:
      for (const part of node.args as ASTNode[]) collectReferences(part, bound, out);
  }
}

/** `a.b.?c` → root a, path [b, c]; null when the node is not a pure selection chain on an identifier. */
function selectionChain(node: ASTNode): (CelReference & { rest?: ASTNode }) | null {
  const path: string[] = [];
  let optional = false;
  let current: ASTNode = node;
  while (current.op === '.' || current.op === '.?') {
    path.unshift(current.args[1]);
    if (current.op === '.?') optional = true;
    current = current.args[0];
  }
  if (path.length === 0) return null;
  if (current.op === 'id') return { root: current.args, path, start: current.start, optional };
  // a chain on something else (an index, a call): analyse that part on its own
  return null;
}

/** The JSON Schema type of a schema field as a CEL type. */
export function celTypeOfSchema(schema: JsonSchemaProps | undefined): CelType {
  switch (schema?.type) {
    case 'string':
      return 'string';
    case 'integer':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'array':
      return 'list';
    case 'object':
      return 'map';
    default:
      return 'dyn';
  }
}

const STRING_METHODS = new Set(['lowerAscii', 'upperAscii', 'trim', 'replace', 'substring', 'format', 'join', 'charAt', 'quote', 'reverse']);
const BOOL_METHODS = new Set(['startsWith', 'endsWith', 'contains', 'matches', 'exists', 'all', 'exists_one', 'existsOne', 'hasValue', 'isSorted']);
const INT_METHODS = new Set(['size', 'indexOf', 'lastIndexOf']);
const LIST_METHODS = new Set(['map', 'filter', 'split', 'sort', 'sortBy', 'transformList', 'distinct', 'flatten', 'slice', 'keys', 'values']);
const CONVERSIONS: Readonly<Record<string, CelType>> = { string: 'string', int: 'int', uint: 'uint', double: 'double', bool: 'bool', bytes: 'bytes', size: 'int', has: 'bool', matches: 'bool', dyn: 'dyn' };

/**
 * The type an expression returns, given the type of each reference (`typeOf`); `dyn` when it depends
 * on data the analysis does not know (resource status, optional values).
 */
export function inferCelType(node: ASTNode, typeOf: (reference: CelReference) => CelType, bound: ReadonlySet<string> = new Set()): CelType {
  const chain = selectionChain(node);
  if (chain) return bound.has(chain.root) ? 'dyn' : typeOf(chain);
  switch (node.op) {
    case 'value': {
      const value = node.args;
      if (typeof value === 'string') return 'string';
      if (typeof value === 'bigint') return 'int';
      if (typeof value === 'number') return 'double';
      if (typeof value === 'boolean') return 'bool';
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return 'bytes';
      return 'uint';
    }
    case 'id':
      return bound.has(node.args) ? 'dyn' : typeOf({ root: node.args, path: [], start: node.start, optional: false });
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case 'in':
    case '&&':
    case '||':
    case '!_':
      return 'bool';
    case '-_':
      return inferCelType(node.args, typeOf, bound);
    case '+': {
      const left = inferCelType(node.args[0], typeOf, bound);
      const right = inferCelType(node.args[1], typeOf, bound);
      if (left === right) return left;
      if (left === 'string' || right === 'string') return left === 'dyn' || right === 'dyn' ? 'string' : 'dyn';
      return 'dyn';
    }
    case '-':
    case '*':
    case '/':
    case '%': {
      const left = inferCelType(node.args[0], typeOf, bound);
      const right = inferCelType(node.args[1], typeOf, bound);
      return left === right ? left : 'dyn';
    }
    case '?:': {
      const then = inferCelType(node.args[1], typeOf, bound);
      const otherwise = inferCelType(node.args[2], typeOf, bound);
      return then === otherwise ? then : 'dyn';
    }
    case 'list':
      return 'list';
    case 'map':
      return 'map';
    case 'call':
      return CONVERSIONS[node.args[0]] ?? 'dyn';
    case 'rcall': {
      const [name, target, args] = node.args;
      if (name === 'orValue' && args.length === 1) return inferCelType(args[0]!, typeOf, bound);
      if (STRING_METHODS.has(name)) return name === 'join' || name === 'format' || inferCelType(target, typeOf, bound) !== 'list' ? 'string' : 'list';
      if (BOOL_METHODS.has(name)) return 'bool';
      if (INT_METHODS.has(name)) return 'int';
      if (LIST_METHODS.has(name)) return 'list';
      if (name === 'seededString') return 'string';
      if (name === 'seededInt') return 'int';
      return 'dyn';
    }
    default:
      return 'dyn';
  }
}
