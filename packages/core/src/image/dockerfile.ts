import { readFile } from 'node:fs/promises';
import { DockerfileParser, ModifiableInstruction, type Instruction } from 'dockerfile-ast';
import { BuildContextError } from './errors.js';
import type { SourceLocation } from '../report/index.js';

/** What the build needs to know about a Dockerfile, read with a maintained parser (dockerfile-ast). */
export interface DockerfileFacts {
  readonly path: string;
  /** ARGs declared before the first FROM (usable in FROM lines) */
  readonly globalArgs: readonly DeclaredArg[];
  /** every ARG anywhere, global or per stage */
  readonly args: readonly DeclaredArg[];
  readonly froms: readonly FromLine[];
  readonly adds: readonly { readonly sources: readonly string[]; readonly location: SourceLocation }[];
  readonly envs: readonly { readonly name: string; readonly value: string; readonly location: SourceLocation }[];
  /** `COPY --from=NAME` / `RUN --mount=from=NAME` naming neither an earlier stage nor an image */
  readonly contextRefs: readonly { readonly name: string; readonly location: SourceLocation }[];
  /** USER instructions of the final stage, in order */
  readonly finalStageUsers: readonly { readonly user: string; readonly location: SourceLocation }[];
}

interface DeclaredArg {
  readonly name: string;
  /** undefined when the ARG has no `=default` */
  readonly defaultValue: string | undefined;
  readonly location: SourceLocation;
}

interface FromLine {
  /** the image as written, variables unexpanded: `${BASE_IMAGE}` */
  readonly image: string;
  readonly stageName: string | undefined;
  readonly location: SourceLocation;
}

export async function readDockerfile(path: string): Promise<{ text: string; facts: DockerfileFacts }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BuildContextError(`Dockerfile ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
    });
  }
  return { text, facts: analyzeDockerfile(path, text) };
}

export function analyzeDockerfile(path: string, text: string): DockerfileFacts {
  const dockerfile = DockerfileParser.parse(text);
  const at = (instruction: Instruction): SourceLocation => {
    const range = instruction.getRange();
    return { file: path, line: range.start.line + 1, column: range.start.character + 1 };
  };

  const instructions = dockerfile.getInstructions();
  const firstFrom = instructions.findIndex((i) => i.getKeyword() === 'FROM');
  const args: DeclaredArg[] = [];
  const globalArgs: DeclaredArg[] = [];
  const froms: FromLine[] = [];
  const adds: DockerfileFacts['adds'][number][] = [];
  const envs: DockerfileFacts['envs'][number][] = [];
  const contextRefs: DockerfileFacts['contextRefs'][number][] = [];
  let finalStageUsers: DockerfileFacts['finalStageUsers'][number][] = [];
  const stages = new Set<string>();

  instructions.forEach((instruction, index) => {
    const keyword = instruction.getKeyword();
    if (keyword === 'ARG') {
      for (const arg of dockerfile.getARGs().filter((a) => sameLine(a, instruction))) {
        const property = arg.getProperty();
        if (!property) continue;
        const declared = { name: property.getName(), defaultValue: property.getValue() ?? undefined, location: at(instruction) };
        args.push(declared);
        if (firstFrom < 0 || index < firstFrom) globalArgs.push(declared);
      }
    } else if (keyword === 'FROM') {
      const from = dockerfile.getFROMs().find((f) => sameLine(f, instruction));
      const image = from?.getImage() ?? '';
      const stageName = from?.getBuildStage() ?? undefined;
      froms.push({ image, stageName, location: at(instruction) });
      if (stageName) stages.add(stageName.toLowerCase());
      finalStageUsers = [];
    } else if (keyword === 'ADD') {
      const values = instruction.getArguments().map((a) => a.getValue()).filter((v) => !v.startsWith('--'));
      adds.push({ sources: values.slice(0, -1), location: at(instruction) });
    } else if (keyword === 'ENV') {
      for (const env of dockerfile.getENVs().filter((e) => sameLine(e, instruction))) {
        for (const property of env.getProperties()) envs.push({ name: property.getName(), value: property.getValue() ?? '', location: at(instruction) });
      }
    } else if (keyword === 'USER') {
      finalStageUsers.push({ user: instruction.getArguments()[0]?.getValue() ?? '', location: at(instruction) });
    }
    if (keyword === 'COPY' || keyword === 'ADD' || keyword === 'RUN') {
      for (const name of fromReferences(instruction)) {
        if (stages.has(name.toLowerCase()) || /^\d+$/.test(name) || /[/:@.]/.test(name)) continue;
        contextRefs.push({ name, location: at(instruction) });
      }
    }
  });
  return { path, globalArgs, args, froms, adds, envs, contextRefs, finalStageUsers };
}

/** `--from=X` of COPY/ADD and `--mount=...,from=X` of RUN. */
function fromReferences(instruction: Instruction): string[] {
  if (!(instruction instanceof ModifiableInstruction)) return [];
  const names: string[] = [];
  for (const flag of instruction.getFlags()) {
    const value = flag.getValue() ?? '';
    if (flag.getName() === 'from') names.push(value);
    if (flag.getName() === 'mount') {
      for (const option of value.split(',')) {
        const from = /^from=(.+)$/.exec(option);
        if (from) names.push(from[1]!);
      }
    }
  }
  return names;
}

function sameLine(a: { getRange(): { start: { line: number } } }, b: Instruction): boolean {
  return a.getRange().start.line === b.getRange().start.line;
}

/**
 * Expands `$NAME` and `${NAME}` (also `${NAME:-default}`) with the given values, as Docker does in
 * FROM lines. Returns the names it could not resolve.
 */
export function expandVariables(text: string, values: ReadonlyMap<string, string>): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced, fallback, bare) => {
    const name = (braced ?? bare) as string;
    const resolved = values.get(name);
    if (resolved !== undefined && resolved !== '') return resolved;
    if (fallback !== undefined) return fallback as string;
    unresolved.push(name);
    return '';
  });
  return { value, unresolved };
}
