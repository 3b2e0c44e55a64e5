import { readFileSync } from 'node:fs';
import type { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { InputFileError } from '../../errors/errors.js';
import { discoverFiles } from '../discover.js';
import { fastParseStream } from '../fast-yaml.js';
import { YAML_OPTIONS } from '../parse.js';
import { ajvResourceSchema, SchemaLoadError } from './ajv.js';
import { objectMetaSchema } from './builtin-source.js';
import { compileCelRules } from './cel-rules.js';
import { crdToJsonSchema, crdVersions, type CrdVersion } from './crd.js';
import type { ResourceSchema, SchemaRequest, SchemaSource } from './source.js';
import { compileCached } from './validator-cache.js';

interface IndexedCrd {
  readonly version: CrdVersion;
  readonly file: string;
}

/** One YAML document of a CRD file, parsed only when a resource needs one of its kinds. */
interface CrdDocument {
  readonly file: string;
  readonly text: string;
  parsed?: CrdVersion[];
}

/**
 * Schemas from CustomResourceDefinition YAML (`--crds FILE|DIR`, repeatable): every served version of
 * every CRD found, converted to JSON Schema and compiled the first time a resource needs it. Files are
 * read once, on the first lookup; a CRD listed earlier wins over a later one for the same kind.
 */
export function crdSchemaSource(paths: readonly string[]): SchemaSource {
  let index: Promise<Map<string, CrdDocument[]>> | undefined;
  // one ajv per source, created the first time a CRD is not in the validator cache
  let ajv: Promise<Ajv> | undefined;
  const compiler = () =>
    (ajv ??= import('./ajv-compiler.js').then(({ createAjv, STANDALONE_CODE_OPTIONS }) => createAjv({ code: STANDALONE_CODE_OPTIONS })));
  return {
    name: `CRDs (${paths.join(', ')})`,
    async find(request: SchemaRequest) {
      index ??= loadCrdIndex(paths);
      const { group, version, kind } = request.signature;
      for (const document of (await index).get(`${group}/${kind}`) ?? []) {
        const found = crdDocumentVersions(document).find((v) => v.group === group && v.kind === kind && v.version === version);
        if (found) return compileCrd({ version: found, file: document.file }, request, compiler);
      }
      return undefined;
    },
  };
}

async function compileCrd(found: IndexedCrd, request: SchemaRequest, compiler: () => Promise<Ajv>): Promise<ResourceSchema> {
  const { version, file } = found;
  let validate;
  try {
    validate = await compileCached(crdToJsonSchema(version.openApiSchema, { strict: request.strict }), compiler);
  } catch (error) {
    throw new SchemaLoadError(
      `${file}: the schema of ${version.kind} ${version.group}/${version.version} does not compile: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const meta = await objectMetaSchema(request.strict);
  const schema = ajvResourceSchema(`${file} (${version.crdName} ${version.version})`, validate);
  const deprecation = version.deprecated
    ? (version.deprecationWarning ?? `${version.group}/${version.version} ${version.kind} is deprecated`)
    : undefined;
  const celRules = compileCelRules(version.openApiSchema);
  return {
    source: schema.source,
    ...(deprecation ? { deprecation } : {}),
    ...(celRules ? { celRules } : {}),
    validate(object) {
      const violations = [...schema.validate(object)];
      const metadata = (object as { metadata?: unknown } | null)?.metadata;
      if (metadata !== undefined && metadata !== null) {
        violations.push(...meta.validate(metadata).map((v) => ({ ...v, path: ['metadata', ...v.path] })));
      }
      return violations;
    },
  };
}

/**
 * Reads the CRD files and indexes their documents by group/kind without parsing them: CRDs are large
 * (a megabyte of YAML for RayService), and a run parses only those its resources use.
 */
async function loadCrdIndex(paths: readonly string[]): Promise<Map<string, CrdDocument[]>> {
  const index = new Map<string, CrdDocument[]>();
  const add = (key: string, document: CrdDocument) => index.set(key, [...(index.get(key) ?? []), document]);
  for await (const entry of discoverFiles(paths)) {
    if (entry.error) throw new InputFileError(`--crds ${entry.path}: ${entry.error}`);
    let text: string;
    try {
      text = readFileSync(entry.path, 'utf8'); // before any resource can be validated: nothing to overlap with
    } catch (error) {
      throw new InputFileError(`cannot read CRD file ${entry.path}: ${(error as Error).message}`, { cause: error });
    }
    for (const chunk of splitDocuments(text)) {
      const header = scanCrdHeader(chunk);
      const document: CrdDocument = { file: entry.path, text: chunk };
      if (header) {
        add(`${header.group}/${header.kind}`, document);
        continue;
      }
      // unusual layout (JSON, flow style, anchors): parse now to learn what it defines
      for (const version of crdDocumentVersions(document)) add(`${version.group}/${version.kind}`, { ...document, parsed: [version] });
    }
  }
  return index;
}

function crdDocumentVersions(document: CrdDocument): CrdVersion[] {
  if (document.parsed) return document.parsed;
  const versions: CrdVersion[] = [];
  // controller-gen's output is plain block YAML: the fast reader takes a megabyte CRD in ~30 ms
  const fast = fastParseStream(document.text);
  if (fast) {
    for (const parsed of fast) versions.push(...crdVersions(parsed.value));
    document.parsed = versions;
    return versions;
  }
  for (const parsed of parseAllDocuments(document.text, YAML_OPTIONS)) {
    if (parsed.errors.length > 0) {
      throw new SchemaLoadError(`${document.file}: not valid YAML (${parsed.errors[0]!.message.split('\n')[0]}); fix or remove it from --crds`);
    }
    versions.push(...crdVersions(parsed.toJS()));
  }
  document.parsed = versions;
  return versions;
}

/** Splits a YAML stream at `---` lines (document markers are never indented, block scalars always are). */
export function splitDocuments(text: string): string[] {
  // a chunk counts when some line has more than blanks and a comment (tested up to the first such line)
  return text.split(/^---[ \t]*(?:#.*)?$/m).filter((chunk) => /^[^\S\n]*[^\s#]/m.test(chunk));
}

/**
 * `spec.group` and `spec.names.kind` of a CRD in the block layout kubectl and controller-gen write,
 * read from its lines without parsing; undefined when the document is not laid out that way.
 */
export function scanCrdHeader(text: string): { group: string; kind: string } | undefined {
  if (!/^kind:[ \t]*["']?CustomResourceDefinition["']?[ \t]*$/m.test(text)) return undefined;
  const spec = /^spec:[ \t]*$/m.exec(text);
  if (!spec) return undefined;
  let group: string | undefined;
  let kind: string | undefined;
  let inNames = false;
  // line by line from spec: on, without splitting the megabyte that follows
  for (let at = text.indexOf('\n', spec.index) + 1; at > 0 && at < text.length; ) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end);
    at = end < 0 ? text.length : end + 1;
    if (/^\S/.test(line)) break;
    // deeper than spec's own keys: only names.kind is wanted there (versions' schemas are most of the file)
    if (!inNames && line.startsWith('   ')) continue;
    const top = /^ {2}([\w-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (top) {
      inNames = top[1] === 'names' && top[2] === '';
      if (top[1] === 'group') group = unquote(top[2]!);
      continue;
    }
    const nested = /^ {4}kind:[ \t]*(.*?)[ \t]*$/.exec(line);
    if (inNames && nested) kind = unquote(nested[1]!);
  }
  return group && kind ? { group, kind } : undefined;
}

function unquote(text: string): string {
  return text.replace(/^(["'])(.*)\1$/, '$2');
}
