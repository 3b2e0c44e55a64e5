import { RayGitopsError } from '../errors/errors.js';

/** An expression kro would reject or fail on: syntax, unknown field, wrong type. */
export class KroExpressionError extends RayGitopsError {}

/**
 * A small CEL interpreter: the subset ray-gitops's RGD uses and a little more, enough to expand a
 * template offline exactly as kro would. Literals, field and index access, optional access (`.?f`,
 * `orValue`), `! - * / % + - < <= > >= == != && || ?:`, `string() int() double() size()`, the string
 * extension methods (`startsWith endsWith contains indexOf lastIndexOf substring split join replace
 * lowerAscii upperAscii trim size`) and the `exists all map filter` macros.
 */
export function evaluateCel(source: string, variables: Readonly<Record<string, unknown>>): unknown {
  const parser = new Parser(source);
  const ast = parser.parseExpression();
  parser.expectEnd();
  return unwrap(evaluate(ast, variables, source));
}

type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'member'; target: Node; name: string; optional: boolean }
  | { t: 'index'; target: Node; index: Node }
  | { t: 'call'; target?: Node; name: string; args: Node[] }
  | { t: 'unary'; op: string; arg: Node }
  | { t: 'binary'; op: string; left: Node; right: Node }
  | { t: 'cond'; test: Node; then: Node; else: Node }
  | { t: 'list'; items: Node[] }
  | { t: 'map'; entries: [Node, Node][] };

class Optional {
  constructor(readonly value: unknown, readonly present: boolean) {}
}

const TOKEN = /\s*(?:(\d+\.\d+(?:[eE][+-]?\d+)?|\d+)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(\.\?|==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,()[\]{}]))/y;

/** Binary operators by precedence, loosest first. */
const LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

class Parser {
  private readonly tokens: { kind: 'num' | 'str' | 'id' | 'op'; text: string }[] = [];
  private position = 0;

  constructor(private readonly source: string) {
    TOKEN.lastIndex = 0;
    let index = 0;
    while (index < source.length) {
      if (/^\s*$/.test(source.slice(index))) break;
      TOKEN.lastIndex = index;
      const match = TOKEN.exec(source);
      if (!match) throw new KroExpressionError(`cannot parse '${source}' at offset ${index}`);
      index = TOKEN.lastIndex;
      if (match[1] !== undefined) this.tokens.push({ kind: 'num', text: match[1] });
      else if (match[2] !== undefined) this.tokens.push({ kind: 'str', text: match[2] });
      else if (match[3] !== undefined) this.tokens.push({ kind: 'id', text: match[3] });
      else this.tokens.push({ kind: 'op', text: match[4]! });
    }
  }

  expectEnd(): void {
    if (this.position < this.tokens.length) throw this.error(`unexpected '${this.tokens[this.position]!.text}'`);
  }

  parseExpression(): Node {
    const test = this.binary(0);
    if (this.accept('?')) {
      const then = this.parseExpression();
      this.expect(':');
      return { t: 'cond', test, then, else: this.parseExpression() };
    }
    return test;
  }

  private binary(level: number): Node {
    if (level >= LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = LEVELS[level]!.find((candidate) => this.peekOp(candidate));
      if (!op) return left;
      this.position += 1;
      left = { t: 'binary', op, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    if (this.accept('!')) return { t: 'unary', op: '!', arg: this.unary() };
    if (this.accept('-')) return { t: 'unary', op: '-', arg: this.unary() };
    return this.postfix(this.primary());
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.accept('.') || this.peekOp('.?')) {
        const optional = this.accept('.?');
        const name = this.identifier();
        if (!optional && this.accept('(')) node = { t: 'call', target: node, name, args: this.args(')') };
        else node = { t: 'member', target: node, name, optional };
      } else if (this.accept('[')) {
        const index = this.parseExpression();
        this.expect(']');
        node = { t: 'index', target: node, index };
      } else {
        return node;
      }
    }
  }

  private primary(): Node {
    const token = this.tokens[this.position];
    if (!token) throw this.error('unexpected end of expression');
    this.position += 1;
    if (token.kind === 'num') return { t: 'lit', v: Number(token.text) };
    if (token.kind === 'str') return { t: 'lit', v: unquote(token.text) };
    if (token.kind === 'id') {
      if (token.text === 'true' || token.text === 'false') return { t: 'lit', v: token.text === 'true' };
      if (token.text === 'null') return { t: 'lit', v: null };
      if (this.accept('(')) return { t: 'call', name: token.text, args: this.args(')') };
      return { t: 'id', name: token.text };
    }
    if (token.text === '(') {
      const inner = this.parseExpression();
      this.expect(')');
      return inner;
    }
    if (token.text === '[') return { t: 'list', items: this.args(']') };
    if (token.text === '{') {
      const entries: [Node, Node][] = [];
      if (!this.accept('}')) {
        do {
          const key = this.parseExpression();
          this.expect(':');
          entries.push([key, this.parseExpression()]);
        } while (this.accept(','));
        this.expect('}');
      }
      return { t: 'map', entries };
    }
    throw this.error(`unexpected '${token.text}'`);
  }

  private args(close: string): Node[] {
    const items: Node[] = [];
    if (this.accept(close)) return items;
    do items.push(this.parseExpression());
    while (this.accept(','));
    this.expect(close);
    return items;
  }

  private identifier(): string {
    const token = this.tokens[this.position];
    if (token?.kind !== 'id') throw this.error('expected a field name');
    this.position += 1;
    return token.text;
  }

  private peekOp(text: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'op' && token.text === text;
  }

  private accept(text: string): boolean {
    if (!this.peekOp(text)) return false;
    this.position += 1;
    return true;
  }

  private expect(text: string): void {
    if (!this.accept(text)) throw this.error(`expected '${text}'`);
  }

  private error(message: string): KroExpressionError {
    return new KroExpressionError(`${message} in '${this.source}'`);
  }
}

function unquote(text: string): string {
  const body = text.slice(1, -1);
  return body.replace(/\\(.)/g, (_, char: string) => ({ n: '\n', t: '\t', r: '\r' })[char] ?? char);
}

function unwrap(value: unknown): unknown {
  return value instanceof Optional ? (value.present ? value.value : undefined) : value;
}

function evaluate(node: Node, scope: Readonly<Record<string, unknown>>, source: string): unknown {
  const fail = (message: string): never => {
    throw new KroExpressionError(`${message} in '${source}'`);
  };
  const run = (child: Node, inner = scope) => evaluate(child, inner, source);
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'id':
      if (!Object.hasOwn(scope, node.name)) fail(`undeclared reference '${node.name}'`);
      return scope[node.name];
    case 'list':
      return node.items.map((item) => unwrap(run(item)));
    case 'map':
      return Object.fromEntries(node.entries.map(([key, value]) => [String(unwrap(run(key))), unwrap(run(value))]));
    case 'member': {
      const target = run(node.target);
      if (target instanceof Optional) {
        if (!target.present) return target;
        return field(target.value, node.name, true);
      }
      return node.optional ? field(target, node.name, true) : field(target, node.name, false, fail);
    }
    case 'index': {
      const target = unwrap(run(node.target));
      const index = unwrap(run(node.index));
      if (Array.isArray(target) && typeof index === 'number') {
        if (index < 0 || index >= target.length) fail(`index ${index} out of range`);
        return target[index];
      }
      if (isMapping(target) && typeof index === 'string') {
        if (!Object.hasOwn(target, index)) fail(`no such key: ${index}`);
        return target[index];
      }
      return fail('invalid index');
    }
    case 'unary': {
      const value = unwrap(run(node.arg));
      if (node.op === '!') return typeof value === 'boolean' ? !value : fail('! needs a bool');
      return typeof value === 'number' ? -value : fail('- needs a number');
    }
    case 'cond': {
      const test = unwrap(run(node.test));
      if (typeof test !== 'boolean') fail('a condition must be a bool');
      return test ? run(node.then) : run(node.else);
    }
    case 'binary':
      return binary(node.op, node.left, node.right, run, fail);
    case 'call':
      return call(node, scope, run, fail);
  }
}

function field(target: unknown, name: string, optional: boolean, fail?: (message: string) => never): unknown {
  if (isMapping(target) && Object.hasOwn(target, name) && target[name] !== undefined) {
    return optional ? new Optional(target[name], true) : target[name];
  }
  if (optional) return new Optional(undefined, false);
  return fail!(`no such key: ${name}`);
}

function binary(op: string, leftNode: Node, rightNode: Node, run: (node: Node) => unknown, fail: (message: string) => never): unknown {
  const left = unwrap(run(leftNode));
  if (op === '&&' || op === '||') {
    if (typeof left !== 'boolean') fail(`${op} needs bools`);
    if (op === '&&' && !left) return false;
    if (op === '||' && left) return true;
    const right = unwrap(run(rightNode));
    return typeof right === 'boolean' ? right : fail(`${op} needs bools`);
  }
  const right = unwrap(run(rightNode));
  switch (op) {
    case '==':
      return JSON.stringify(left) === JSON.stringify(right);
    case '!=':
      return JSON.stringify(left) !== JSON.stringify(right);
    case '+':
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
      return fail(`no matching overload for '+' on ${typeName(left)} and ${typeName(right)}`);
    default: {
      if (typeof left !== typeof right || (typeof left !== 'number' && typeof left !== 'string')) fail(`no matching overload for '${op}'`);
      const a = left as number;
      const b = right as number;
      switch (op) {
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(a / b) : a / b;
        case '%': return a % b;
        default: return fail(`unknown operator ${op}`);
      }
    }
  }
}

const MACROS = new Set(['exists', 'all', 'map', 'filter']);

function call(node: Extract<Node, { t: 'call' }>, scope: Readonly<Record<string, unknown>>, run: (node: Node, inner?: Readonly<Record<string, unknown>>) => unknown, fail: (message: string) => never): unknown {
  if (node.target && MACROS.has(node.name)) {
    const list = unwrap(run(node.target));
    const items = Array.isArray(list) ? list : isMapping(list) ? Object.keys(list) : fail(`${node.name}() needs a list or map`);
    const [variable, body] = node.args;
    if (variable?.t !== 'id' || !body) return fail(`${node.name}() takes a variable name and an expression`);
    const each = (item: unknown) => unwrap(run(body, { ...scope, [variable.name]: item }));
    if (node.name === 'exists') return items.some((item) => each(item) === true);
    if (node.name === 'all') return items.every((item) => each(item) === true);
    if (node.name === 'map') return items.map(each);
    return items.filter((item) => each(item) === true);
  }
  const target = node.target ? run(node.target) : undefined;
  const args = node.args.map((arg) => unwrap(run(arg)));
  if (node.target && node.name === 'orValue') return target instanceof Optional ? (target.present ? target.value : args[0]) : target;
  if (node.target && node.name === 'hasValue') return target instanceof Optional ? target.present : true;
  const self = unwrap(target);
  if (!node.target) {
    const [value] = args;
    switch (node.name) {
      case 'string':
        if (typeof value === 'string') return value;
        if (typeof value === 'number' || typeof value === 'boolean') return String(value);
        return fail(`string() cannot convert ${typeName(value)}`);
      case 'int':
        if (typeof value === 'number') return Math.trunc(value);
        if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return Number(value);
        return fail(`int() cannot convert ${typeName(value)}`);
      case 'double':
        if (typeof value === 'number') return value;
        if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
        return fail(`double() cannot convert ${typeName(value)}`);
      case 'size':
        return sizeOf(value, fail);
      case 'has':
        return fail('has() is not supported here; use the optional form .?field');
      default:
        return fail(`unknown function ${node.name}()`);
    }
  }
  const text = (): string => (typeof self === 'string' ? self : fail(`${node.name}() needs a string receiver, not ${typeName(self)}`));
  const stringArg = (index: number): string => (typeof args[index] === 'string' ? (args[index] as string) : fail(`${node.name}() argument ${index + 1} must be a string`));
  const intArg = (index: number): number => (Number.isInteger(args[index]) ? (args[index] as number) : fail(`${node.name}() argument ${index + 1} must be an int`));
  switch (node.name) {
    case 'size': return sizeOf(self, fail);
    case 'startsWith': return text().startsWith(stringArg(0));
    case 'endsWith': return text().endsWith(stringArg(0));
    case 'contains': return text().includes(stringArg(0));
    case 'indexOf': return args.length > 1 ? text().indexOf(stringArg(0), intArg(1)) : text().indexOf(stringArg(0));
    case 'lastIndexOf': return text().lastIndexOf(stringArg(0));
    case 'substring': {
      const value = text();
      const start = intArg(0);
      const end = args.length > 1 ? intArg(1) : value.length;
      if (start < 0 || end > value.length || start > end) fail(`substring(${start}, ${end}) out of range for a string of ${value.length}`);
      return value.substring(start, end);
    }
    case 'split': return text().split(stringArg(0));
    case 'replace': return text().split(stringArg(0)).join(stringArg(1));
    case 'lowerAscii': return text().toLowerCase();
    case 'upperAscii': return text().toUpperCase();
    case 'trim': return text().trim();
    case 'join': {
      if (!Array.isArray(self) || !self.every((item) => typeof item === 'string')) return fail('join() needs a list of strings');
      return self.join(args.length > 0 ? stringArg(0) : '');
    }
    default:
      return fail(`unknown method ${node.name}()`);
  }
}

function sizeOf(value: unknown, fail: (message: string) => never): number {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (isMapping(value)) return Object.keys(value).length;
  return fail(`size() cannot measure ${typeName(value)}`);
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  return Array.isArray(value) ? 'list' : 'map';
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Optional);
}
