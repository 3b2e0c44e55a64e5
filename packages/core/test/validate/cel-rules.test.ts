import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CRDS, run } from './helpers.js';
import { escapePropertyName, previousTreeOf, SchemaRegistry } from '../../src/validate/index.js';

// x-kubernetes-validations of the upstream CRDs (RayCluster/RayService: managedBy, the GCS backend;
// kro's RGD CRD: template xor externalRef, immutable schema identity), evaluated at their nodes.

const RAY_CLUSTER = `apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: raycluster-sample
spec:
  managedBy: ray.io/kuberay-operator
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.52.0
`;

const RGD = `apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: demo
spec:
  schema:
    apiVersion: v1alpha1
    kind: Demo
    spec:
      name: string
  resources:
  - id: config
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: \${schema.spec.name}
`;

let dir: string;
let registry: SchemaRegistry;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cel-rules-'));
  registry = SchemaRegistry.fromOptions({ crds: [CRDS, join(dir, 'crds')] });
  writeFileSync(join(dir, 'crds'), SYNTHETIC_CRD);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  expect(index, needle).toBeGreaterThanOrEqual(0);
  return index + 1;
}

async function findings(file: string, previous?: string) {
  const tree = previous === undefined ? undefined : previousTreeOf('HEAD~1', [parse(previous) as Record<string, unknown>]);
  const result = await run([file], { registry, ...(tree ? { previous: tree } : {}) });
  const diagnostics = result.results.flatMap((r) => r.diagnostics);
  return { result, cel: diagnostics.filter((d) => d.code.startsWith('schema/cel')) };
}

describe('x-kubernetes-validations', () => {
  test('a RayCluster managedBy outside the CRD rule fails at the field with the CRD message; its twin passes', async () => {
    const text = RAY_CLUSTER.replace('managedBy: ray.io/kuberay-operator', 'managedBy: example.com/my-operator');
    const file = write('managed-by.yaml', text);
    const { cel, result } = await findings(file);
    expect(cel).toHaveLength(1);
    expect(cel[0]).toMatchObject({ code: 'schema/cel-rule', severity: 'error', location: { line: lineOf(text, 'managedBy:'), column: 14 } });
    expect(cel[0]!.message).toBe(
      "spec.managedBy: Invalid value: the managedBy field value must be either 'ray.io/kuberay-operator' or 'kueue.x-k8s.io/multikueue' (x-kubernetes-validations rule: self in ['ray.io/kuberay-operator', 'kueue.x-k8s.io/multikueue'])",
    );
    expect(result.exitCode).toBe(1);
    const twin = await findings(write('managed-by-ok.yaml', RAY_CLUSTER));
    expect(twin.cel).toEqual([]);
    expect(twin.result.exitCode).toBe(0);
  });

  test('an RGD resource with both template and externalRef breaks kro\'s rule at that resource', async () => {
    const text = RGD.replace('  - id: config\n', '  - id: config\n    externalRef:\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: shared\n');
    const { cel } = await findings(write('rgd-both.yaml', text));
    expect(cel.map((d) => [d.location.line, d.message.split(' (x-kubernetes')[0]])).toEqual([
      [lineOf(text, '- id: config'), 'spec.resources[0]: Invalid value: exactly one of template or externalRef must be provided'],
    ]);
    expect((await findings(write('rgd-ok.yaml', RGD))).cel).toEqual([]);
  });

  test('transition rules compare with the previous version of the same object, and only then', async () => {
    const changed = RAY_CLUSTER.replace('managedBy: ray.io/kuberay-operator', 'managedBy: kueue.x-k8s.io/multikueue');
    const file = write('transition.yaml', changed);
    expect((await findings(file)).cel).toEqual([]); // a create: no oldSelf
    const { cel } = await findings(file, RAY_CLUSTER);
    expect(cel.map((d) => [d.location.line, d.message])).toEqual([
      [lineOf(changed, 'managedBy:'), 'spec.managedBy: Invalid value: the managedBy field is immutable (x-kubernetes-validations rule: self == oldSelf)'],
    ]);
    expect((await findings(write('unchanged.yaml', RAY_CLUSTER), RAY_CLUSTER)).cel).toEqual([]);
    // another object (another name) is not its previous version
    expect((await findings(file, RAY_CLUSTER.replace('name: raycluster-sample', 'name: other'))).cel).toEqual([]);
  });

  test('Gateway API HTTPRoute rules: schema defaults apply first, and has() on an indexed field is evaluated', async () => {
    const route = (backend: string, match: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: model
spec:
  parentRefs:
  - name: llm-gateway
  rules:
  - matches:
    - path: { type: ${match}, value: /models/m }
    filters:
    - type: URLRewrite
      urlRewrite:
        path: { type: ReplacePrefixMatch, replacePrefixMatch: / }
    backendRefs:
    - ${backend}
`;
    const errors = <T extends { severity: string }>(list: T[]) => list.filter((d) => d.severity === 'error');
    const ok = await findings(write('route-ok.yaml', route('{ name: serve-svc, port: 8000 }', 'PathPrefix')));
    expect(ok.cel).toEqual([]);
    // group defaults to "" (a core Service), so the port rule applies and is broken
    const noPort = await findings(write('route-no-port.yaml', route('{ name: serve-svc }', 'PathPrefix')));
    expect(noPort.cel.map((d) => [d.severity, d.message.split(' (x-kubernetes')[0]])).toEqual([['error', 'spec.rules[0].backendRefs[0]: Invalid value: Must have port for Service reference']]);
    // ReplacePrefixMatch needs exactly one PathPrefix match: a rule that reads has(self.matches[0].path)
    const exact = await findings(write('route-exact.yaml', route('{ name: serve-svc, port: 8000 }', 'Exact')));
    expect(errors(exact.cel).map((d) => d.message.split(' (x-kubernetes')[0])).toContain(
      'spec.rules[0]: Invalid value: When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    );
  });

  test('kro RGD schema identity is immutable: a renamed kind is reported against the previous RGD', async () => {
    const renamed = RGD.replace('kind: Demo', 'kind: DemoV2');
    const { cel } = await findings(write('rgd-renamed.yaml', renamed), RGD);
    expect(cel.map((d) => d.message.split(' (x-kubernetes')[0])).toEqual(['spec.schema.kind: Invalid value: kind is immutable']);
  });

  test('messageExpression, fieldPath, reason, escaped names, ints and list-map correlation', async () => {
    const widget = (replicas: number, ports: string, extra = '') => `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  namespace: team-a
  replicas: ${replicas}
  ports:
${ports}${extra}
`;
    const okPorts = '  - name: http\n    port: 80\n  - name: metrics\n    port: 9090';
    const errors = <T extends { severity: string }>(list: T[]) => list.filter((d) => d.severity === 'error');
    const ok = await findings(write('widget-ok.yaml', widget(3, okPorts)));
    expect(errors(ok.cel)).toEqual([]);

    const text = widget(7, okPorts);
    const bad = await findings(write('widget-bad.yaml', text));
    expect(errors(bad.cel).map((d) => [d.location.line, d.message.split(' (x-kubernetes')[0]])).toEqual([
      [lineOf(text, 'replicas: 7'), 'spec.replicas: Forbidden: 7 replicas is more than team-a allows (5)'],
    ]);

    // the port named http changed: correlated by its list-map key, so its transition rule fires
    const moved = widget(3, '  - name: metrics\n    port: 9090\n  - name: http\n    port: 8080');
    const transition = await findings(write('widget-moved.yaml', moved), widget(3, okPorts));
    expect(errors(transition.cel).map((d) => [d.location.line, d.message.split(' (x-kubernetes')[0]])).toEqual([
      [lineOf(moved, 'port: 8080'), 'spec.ports[1].port: Invalid value: port http cannot change'],
    ]);

    // a Kubernetes library function cel-js does not have: a warning, never a false verdict
    const url = await findings(write('widget-url.yaml', widget(3, okPorts, '\n  homepage: not a url')));
    expect(url.cel.map((d) => [d.code, d.severity])).toEqual([['schema/cel-unevaluated', 'warning']]);
    expect(url.result.exitCode).toBe(0);
  });

  test('property names reach CEL the way Kubernetes escapes them', () => {
    expect(escapePropertyName('namespace')).toBe('__namespace__');
    expect(escapePropertyName('x-kubernetes.io/a__b')).toBe('x__dash__kubernetes__dot__io__slash__a__underscores__b');
    expect(escapePropertyName('has space')).toBeUndefined();
  });
});

// A small CRD for the rule fields no upstream CRD in the shared set uses (messageExpression, fieldPath, reason).
const SYNTHETIC_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.replicas <= 5
              messageExpression: "string(self.replicas) + ' replicas is more than ' + self.__namespace__ + ' allows (5)'"
              fieldPath: .replicas
              reason: FieldValueForbidden
            - rule: "!has(self.homepage) || isURL(self.homepage)"
            properties:
              namespace: { type: string }
              replicas: { type: integer }
              homepage: { type: string }
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  x-kubernetes-validations:
                  - rule: self.port == oldSelf.port
                    messageExpression: "'port ' + self.name + ' cannot change'"
                    fieldPath: .port
                  properties:
                    name: { type: string }
                    port: { type: integer }
`;
