import {
  isMap,
  isSeq,
  LineCounter,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
  type Pair,
  type Tags,
} from 'yaml';
import { fastParseStream, type FastDocument } from './fast-yaml.js';
import { MAX_NESTING_DEPTH, tooDeepAt } from './nesting.js';
import { makeSignature } from './signature.js';
import type { ManifestResource, ResourceRef } from './types.js';
import { keyText, NodeLocator, type ResourceLocator } from './yaml-locator.js';
import type { Diagnostic, SourceLocation } from '../report/diagnostic.js';

/** One document (or `List` item) of a manifest file, ready for validation or already decided. */
export type ParsedManifest =
  | {
    readonly type: 'resource';
    readonly resource: ManifestResource;
    /** findings made while parsing (duplicate keys in strict mode) */
    readonly diagnostics: readonly Diagnostic[];
  }
  | { readonly type: 'empty'; readonly ref: ResourceRef }
  | { readonly type: 'error'; readonly ref: ResourceRef; readonly diagnostics: readonly Diagnostic[] };

interface ParseOptions {
  /** report duplicate mapping keys (the API server's strict decoding rejects them) */
  readonly strict?: boolean;
  /**
   * read simple files with the fast reader (fast-yaml.ts) and build positions only when a finding
   * needs one (default true); false always builds the full syntax tree
   */
  readonly fast?: boolean;
}

/**
 * YAML 1.1, like the Go YAML decoder Kubernetes uses (`yes`/`on` are booleans, `<<` merges), except
 * that timestamps and sexagesimal numbers stay strings: the API server decodes into JSON, where
 * `2024-01-01` and `12:30` are strings.
 */
const customTags = (tags: Tags): Tags =>
  tags.filter((tag) => {
    const { tag: name, format } = tag as { tag?: string; format?: string };
    return format !== 'TIME' && name !== 'tag:yaml.org,2002:timestamp';
  });

/** How every YAML file is read: YAML 1.1 (dates and sexagesimals as strings), duplicate keys allowed. */
export const YAML_OPTIONS = { uniqueKeys: false, version: '1.1', prettyErrors: false, customTags } as const;

/**
 * Splits a manifest file into resources: every YAML document, `kind: List` expanded into its items,
 * empty documents kept as `empty` (not counted), documents that cannot be resources as `error`.
 * Simple files (most) are read by the fast reader and get their syntax tree only if a finding needs
 * a position; anything else is read by the `yaml` package straight away. JSON is YAML, so JSON files
 * get positions the same way.
 */
export function parseManifests(file: string, text: string, options: ParseOptions = {}): ParsedManifest[] {
  // the fast readers never return anything nested deeper than MAX_NESTING_DEPTH
  const fast = options.fast === false ? undefined : fastDocuments(text, options.strict === true);
  if (!fast) {
    const deep = tooDeepAt(text);
    if (deep !== undefined) {
      const location = offsetLocation(file, text, deep);
      const message = `the YAML is nested more than ${MAX_NESTING_DEPTH} levels deep here; no Kubernetes object is, so the file is not read further`;
      return [errorAt({ file, documentIndex: 0, location }, location, message, 'yaml/too-deep')];
    }
  }
  if (fast) {
    const source = new DeferredSource(file, text);
    return fast.flatMap((document, documentIndex) => {
      const location = { file, line: document.line, column: document.column };
      if (document.value === null) return [{ type: 'empty' as const, ref: { file, documentIndex, location: { file, line: document.line, column: 1 } } }];
      return fromValue(document.value, { file, documentIndex, location }, (listIndex) => source.locator(documentIndex, listIndex), () => []);
    });
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  const parsed: ParsedManifest[] = [];
  documents.forEach((document, documentIndex) => {
    parsed.push(...parseDocument(file, document, documentIndex, lineCounter, options));
  });
  return parsed;
}

/** JSON through JSON.parse (not in strict mode: it cannot see duplicate keys), YAML through the fast reader. */
function fastDocuments(text: string, strict: boolean): FastDocument[] | undefined {
  const start = text.search(/\S/);
  if (start < 0) return [];
  // JSON.parse takes any depth: a JSON file that might be too deep goes to the full reader, which says where
  if (!strict && (text[start] === '{' || text[start] === '[') && text.charCodeAt(0) !== 0xfeff && !text.includes('\t') && tooDeepAt(text) === undefined) {
    try {
      const value: unknown = JSON.parse(text);
      const before = text.slice(0, start).split('\n');
      return [{ value, line: before.length, column: before[before.length - 1]!.length + 1 }];
    } catch {
      // not JSON: YAML flow style, or broken; the readers below decide
    }
  }
  return fastParseStream(text);
}

/**
 * Positions for resources read by the fast reader: the file is parsed into a syntax tree the first
 * time any of its resources needs a location (a finding), then shared by all of them.
 */
class DeferredSource {
  private parsed?: { documents: Document.Parsed[]; lineCounter: LineCounter };

  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  locator(documentIndex: number, listIndex: number | undefined): ResourceLocator {
    let resolved: ResourceLocator | undefined;
    const resolve = () => (resolved ??= this.resolve(documentIndex, listIndex));
    return { file: this.file, locate: (path, target) => resolve().locate(path, target) };
  }

  private resolve(documentIndex: number, listIndex: number | undefined): ResourceLocator {
    if (!this.parsed) {
      const lineCounter = new LineCounter();
      const documents = parseAllDocuments(this.text, { ...YAML_OPTIONS, lineCounter });
      this.parsed = { documents: Array.isArray(documents) ? documents : [], lineCounter };
    }
    const document = this.parsed.documents[documentIndex];
    if (!document) {
      // cannot happen while both readers agree (fast-yaml.test.ts); never crash a report over a position
      return { file: this.file, locate: () => ({ file: this.file, line: 1, column: 1 }) };
    }
    const locator = new NodeLocator(this.file, document.contents, document, this.parsed.lineCounter);
    return listIndex === undefined ? locator : locator.forNode(listItemNode(document, listIndex));
  }
}

function listItemNode(document: Document.Parsed, listIndex: number): Node | null {
  const items = isMap(document.contents) ? (document.contents.get('items', true) as Node | undefined) : undefined;
  return items && isSeq(items) ? ((items.items[listIndex] as Node | undefined) ?? null) : null;
}

function parseDocument(
  file: string,
  document: Document.Parsed,
  documentIndex: number,
  lineCounter: LineCounter,
  options: ParseOptions,
): ParsedManifest[] {
  const locator = new NodeLocator(file, document.contents, document, lineCounter);
  const start = locator.rangeLocation(document.contents);
  const baseRef: ResourceRef = { file, documentIndex, location: startOf(start) };

  if (document.errors.length > 0) {
    const diagnostics = document.errors.map((error) => ({
      severity: 'error' as const,
      location: locator.offsetLocation(error.pos[0]),
      message: `invalid YAML: ${firstLine(error.message)}`,
      code: 'yaml/syntax',
    }));
    return [{ type: 'error', ref: baseRef, diagnostics }];
  }
  // empty documents are located at the start of their line (nothing in them to point at)
  const emptyRef: ResourceRef = { ...baseRef, location: { file, line: start.line, column: 1 } };
  if (document.contents === null) return [{ type: 'empty', ref: emptyRef }];

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 }); // yaml's guard against alias bombs
  } catch (error) {
    return [errorAt(baseRef, start, `cannot decode the document: ${(error as Error).message}`, 'yaml/syntax')];
  }
  if (value === null || value === undefined) return [{ type: 'empty', ref: emptyRef }];

  const duplicates = options.strict ? findDuplicateKeys(document, locator) : [];
  const itemLocator = (listIndex: number | undefined): ResourceLocator =>
    listIndex === undefined ? locator : locator.forNode(listItemNode(document, listIndex));
  const owned = (listIndex: number | undefined): Diagnostic[] => {
    const range = listIndex === undefined ? undefined : listItemNode(document, listIndex)?.range;
    return duplicates.filter((d) => listIndex === undefined || (range && within(d.offset, range))).map((d) => d.diagnostic);
  };
  return fromValue(value, { file, documentIndex, location: startOf(start) }, itemLocator, owned);
}

/** The resources of one decoded document: itself, or the items of a `kind: List`. */
function fromValue(
  value: unknown,
  where: { file: string; documentIndex: number; location: SourceLocation },
  locatorFor: (listIndex: number | undefined) => ResourceLocator,
  findings: (listIndex: number | undefined) => Diagnostic[],
): ParsedManifest[] {
  const { file, documentIndex } = where;
  if (isPlainObject(value) && typeof value.kind === 'string' && value.kind.toLowerCase() === 'list') {
    const items = Array.isArray(value.items) ? value.items : [];
    return items.map((item: unknown, listIndex: number) => {
      const locator = locatorFor(listIndex);
      const location = startOf(locator.locate([]));
      return toResource(item, locator, { file, documentIndex, listIndex, location }, findings(listIndex));
    });
  }
  return [toResource(value, locatorFor(undefined), where, findings(undefined))];
}

function toResource(
  value: unknown,
  locator: ResourceLocator,
  where: { file: string; documentIndex: number; listIndex?: number; location: SourceLocation },
  diagnostics: Diagnostic[],
): ParsedManifest {
  const { location } = where;
  const ref: ResourceRef = {
    file: where.file,
    documentIndex: where.documentIndex,
    ...(where.listIndex !== undefined ? { listIndex: where.listIndex } : {}),
    location,
  };
  if (value === null || value === undefined) return { type: 'empty', ref };
  if (!isPlainObject(value)) {
    return errorAt(ref, location, `a Kubernetes resource must be a mapping, got ${describeType(value)}`, 'manifest/not-an-object');
  }
  const { kind, apiVersion } = value;
  const metadata = isPlainObject(value.metadata) ? value.metadata : {};
  const name = resourceName(metadata);
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  const named: ResourceRef = {
    ...ref,
    ...(typeof apiVersion === 'string' && apiVersion ? { apiVersion } : {}),
    ...(typeof kind === 'string' && kind ? { kind } : {}),
    ...(name ? { name } : {}),
    ...(namespace ? { namespace } : {}),
  };
  if (typeof kind !== 'string' || kind === '') {
    return errorAt(named, location, "missing 'kind' key: every Kubernetes resource needs apiVersion and kind", 'manifest/missing-kind');
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    return errorAt(
      named,
      location,
      `missing 'apiVersion' key: add the API version of ${kind} (e.g. v1, apps/v1, ray.io/v1)`,
      'manifest/missing-apiversion',
    );
  }
  const resource: ManifestResource = {
    file: where.file,
    documentIndex: where.documentIndex,
    ...(where.listIndex !== undefined ? { listIndex: where.listIndex } : {}),
    object: value,
    signature: makeSignature(apiVersion, kind, name, namespace),
    location,
    locator,
  };
  return { type: 'resource', resource, diagnostics };
}

/** A resource's location is where it starts; the end of a whole document is no use in a report. */
function startOf(location: SourceLocation): SourceLocation {
  return { file: location.file, line: location.line, column: location.column };
}

function resourceName(metadata: Record<string, unknown>): string | undefined {
  if (typeof metadata.name === 'string' && metadata.name) return metadata.name;
  if (typeof metadata.generateName === 'string' && metadata.generateName) return `${metadata.generateName}*`;
  return undefined;
}

interface LocatedDuplicate {
  readonly offset: number;
  readonly diagnostic: Diagnostic;
}

/** Every mapping key that appears twice in one mapping; the decoder would silently keep the last. */
function findDuplicateKeys(document: Document.Parsed, locator: NodeLocator): LocatedDuplicate[] {
  const found: LocatedDuplicate[] = [];
  visit(document, {
    Map(_key, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items as Pair<Node | null, Node | null>[]) {
        const text = keyText(pair.key);
        if (text === undefined || text === '<<' || !pair.key) continue;
        const first = seen.get(text);
        if (!first) {
          seen.set(text, pair.key);
          continue;
        }
        const firstAt = locator.rangeLocation(first);
        found.push({
          offset: pair.key.range?.[0] ?? 0,
          diagnostic: {
            severity: 'error',
            location: locator.rangeLocation(pair.key),
            message:
              `duplicate key "${text}" (first defined at line ${firstAt.line}); ` +
              'decoders keep only the last one, so merge the two into one key',
            code: 'yaml/duplicate-key',
          },
        });
      }
    },
  });
  return found;
}

function errorAt(ref: ResourceRef, location: SourceLocation, message: string, code: string): ParsedManifest {
  return { type: 'error', ref, diagnostics: [{ severity: 'error', location, message, code }] };
}

function offsetLocation(file: string, text: string, offset: number): SourceLocation {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let at = before.indexOf('\n'); at >= 0; at = before.indexOf('\n', at + 1)) line += 1;
  return { file, line, column: offset - lineStart + 1 };
}

function within(offset: number, range: readonly number[]): boolean {
  return offset >= range[0]! && offset < range[2]!;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a value, as error messages name it. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value;
}
