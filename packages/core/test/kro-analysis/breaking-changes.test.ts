import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { kroBreakingChangeCheck } from '../../src/kro-checks/breaking-check.js';
import { previousTreeOf } from '../../src/validate/index.js';
import { run } from '../validate/helpers.js';

// Each kind of change kro v0.9.3 (pkg/graph/crd/compat) treats as breaking, made to the repository's
// own LLMService RGD, with the instance it breaks; and a passing twin that changes the schema in a
// way kro accepts.

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const RGD = readFileSync(`${REPO}gitops/platform/llm-service.rgd.yaml`, 'utf8');
const INSTANCE = readFileSync(`${REPO}gitops/workloads/mistral-7b-instruct-v0-3/instance.yaml`, 'utf8');
const SPEC = ['spec', 'schema', 'spec'];

type Edit = (doc: ReturnType<typeof parseDocument>) => void;
const setField = (field: string, value: string): Edit => (doc) => doc.setIn([...SPEC, ...field.split('.')], value);
const deleteField = (field: string): Edit => (doc) => doc.deleteIn([...SPEC, ...field.split('.')]);
const edited = (edit: Edit) => {
  const doc = parseDocument(RGD);
  edit(doc);
  return doc.toString();
};

interface Case {
  readonly name: string;
  readonly breaking: Edit;
  /** the instance field the finding points at */
  readonly field: string;
  readonly description: RegExp;
  readonly twin: Edit;
  /** the instance, changed for this case (default: as rendered) */
  readonly instance?: (text: string) => string;
}

const CASES: Case[] = [
  { name: 'enum narrowed', breaking: setField('gpuType', 'string | required=true enum="T4,L4,H100" description="GPU type"'), field: 'gpuType: A10G', description: /the value "A10G" was removed from the enum of spec\.gpuType/, twin: setField('gpuType', 'string | required=true enum="T4,A10G,L4,L40S,A100,A100-80GB,H100,H200,B200,B300" description="GPU type"') },
  { name: 'field removed', breaking: deleteField('region'), field: 'region: us-west-2', description: /spec\.region was removed/, twin: setField('zone', 'string | default="a"') },
  { name: 'type changed', breaking: setField('maxModelLen', 'string | required=true'), field: 'maxModelLen: 32768', description: /the type of spec\.maxModelLen changed from integer to string/, twin: setField('maxModelLen', 'integer | required=true minimum=128 maximum=1048576') },
  { name: 'new required field without default', breaking: setField('team', 'string | required=true'), field: '  name: mistral-7b-instruct-v0-3', description: /the new field spec\.team is required and has no default/, twin: setField('team', 'string | required=true default="ml"') },
  { name: 'existing field newly required', breaking: setField('region', 'string | required=true'), field: '  name: mistral-7b-instruct-v0-3', description: /spec\.region is newly required/, twin: setField('region', 'string | default="eu-west-1"'), instance: (text) => text.replace('  region: us-west-2\n', '') },
  { name: 'minimum raised', breaking: setField('maxModelLen', 'integer | required=true minimum=65536 maximum=1048576'), field: 'maxModelLen: 32768', description: /minimum of spec\.maxModelLen went from 256 to 65536/, twin: setField('maxModelLen', 'integer | required=true minimum=1 maximum=1048576') },
  { name: 'pattern added', breaking: setField('region', 'string | default="us-west-2" pattern="^eu-"'), field: 'region: us-west-2', description: /spec\.region gained the pattern \^eu-/, twin: setField('region', 'string | default="us-west-2" description="the bucket region"') },
  { name: 'maxLength lowered', breaking: setField('name', 'string | required=true maxLength=10'), field: '  name: mistral-7b-instruct-v0-3', description: /maxLength of spec\.name went from 47 to 10/, twin: setField('name', 'string | required=true maxLength=63') },
  { name: 'version changed', breaking: (doc) => doc.setIn(['spec', 'schema', 'apiVersion'], 'v1beta1'), field: 'apiVersion: ray-gitops.io/v1alpha1', description: /the instance version changed from v1alpha1 to v1beta1/, twin: (doc) => doc.setIn(['metadata', 'labels', 'team'], 'ml') },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kro-breaking-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function compare(newRgd: string, instance = INSTANCE) {
  writeFileSync(join(dir, 'rgd.yaml'), newRgd);
  writeFileSync(join(dir, 'instance.yaml'), instance);
  const previous = previousTreeOf('HEAD~1', [parse(RGD) as Record<string, unknown>, parse(INSTANCE) as Record<string, unknown>]);
  const result = await run([join(dir, 'rgd.yaml'), join(dir, 'instance.yaml')], { checks: [kroBreakingChangeCheck()], ignoreMissingSchemas: true, previous });
  return result;
}

describe('breaking RGD schema changes (kro pkg/graph/crd/compat)', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s: reported on the RGD and the instance it breaks; the twin passes', async (_name, c) => {
    const text = edited(c.breaking);
    const instance = c.instance ? c.instance(INSTANCE) : INSTANCE;
    const result = await compare(text, instance);
    const diagnostics = result.results.flatMap((r) => r.diagnostics).filter((d) => d.code === 'kro/breaking-schema-change');
    const onRgd = diagnostics.filter((d) => d.location.file.endsWith('rgd.yaml'));
    const onInstance = diagnostics.filter((d) => d.location.file.endsWith('instance.yaml'));
    const finding = onRgd.find((d) => c.description.test(d.message));
    expect(finding, onRgd.map((d) => d.message).join('\n')).toBeDefined();
    expect(finding!.message).toContain('breaks 1 instance(s) in the tree: LLMService mistral-7b-instruct-v0-3');
    expect(finding!.message).toContain('kro refuses to update the CRD');
    // the field's line inside the instance's spec (metadata.name has the same text)
    const lines = instance.split('\n');
    const line = lines.findIndex((l, i) => i >= (c.field.startsWith('apiVersion') ? 0 : lines.indexOf('spec:')) && l.trimStart().startsWith(c.field.trimStart())) + 1;
    expect(onInstance.map((d) => d.location.line)).toContain(line);
    expect(result.exitCode).toBe(1);
    // the instance is counted once, as invalid, however many results name it
    expect(result.summary).toMatchObject({ resources: 2, invalid: 2, valid: 0 });

    const twin = await compare(edited(c.twin), instance);
    expect(twin.results.flatMap((r) => r.diagnostics).filter((d) => d.code.startsWith('kro/'))).toEqual([]);
    expect(twin.summary).toMatchObject({ resources: 2, invalid: 0 });
  });

  test('a breaking change no instance hits still stops kro; the allow annotation turns it into a warning', async () => {
    const narrowed = edited(setField('gpuType', 'string | required=true enum="T4,A10G,L4,L40S,A100,A100-80GB,H100,H200" description="GPU type"'));
    const stopped = await compare(narrowed);
    const rgdFinding = stopped.results.flatMap((r) => r.diagnostics).find((d) => d.code === 'kro/breaking-schema-change')!;
    expect(rgdFinding.severity).toBe('error');
    expect(rgdFinding.message).toContain('no instance in the tree is affected');
    const allowed = await compare(narrowed.replace('  annotations:\n', '  annotations:\n    kro.run/allow-breaking-changes: "true"\n'));
    const warning = allowed.results.flatMap((r) => r.diagnostics).find((d) => d.code === 'kro/breaking-schema-change')!;
    expect(warning.severity).toBe('warning');
    expect(allowed.exitCode).toBe(0);
  });
});
