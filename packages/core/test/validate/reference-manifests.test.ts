import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compiledRegistry } from '@ray-gitops/testkit/schemas';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { counts, CRDS, REFERENCE, run } from './helpers.js';
import { type SchemaRegistry } from '../../src/validate/index.js';

/**
 * Real upstream manifests (../shared/reference/) against the real CRDs (../shared/crds/: KubeRay
 * RayService and RayCluster, kro ResourceGraphDefinition, Argo CD Application and ApplicationSet)
 * and the bundled core schemas.
 */

const r = (name: string) => `${REFERENCE}${name}`;

/** Manifests that are valid upstream; every resource in them must validate, strict or not. */
const VALID = [
  'kuberay/ray-service.deepseek.yaml',
  'kuberay/ray-service.high-throughput-llm.yaml',
  'kuberay/ray-service.incremental-upgrade.yaml',
  'kuberay/ray-service.llm-serve.yaml',
  'kuberay/ray-service.sample.yaml',
  'kuberay/ray-service.vllm-tpu-v6e-singlehost.yaml',
  'kuberay/ray-service.vllm.legacy-custom-deployment.yaml',
  'data-on-eks/ray-on-eks.03-rayservice-deepseek-r1-8b.yaml',
  'kro/aws-llm-ollama.rgd.yaml',
  'kro/kubernetes-webapp.rgd.yaml',
  'appmod-blueprints/argocd-health-checks.argocd-cm.yaml',
  'appmod-blueprints/fleet.bootstrap.addons-appset.yaml',
  'appmod-blueprints/platform.bootstrap.web-store-backend-appset.yaml',
  'argo-cd/git-directories-example.yaml',
  'argo-cd/git-generator-files.yaml',
];

/**
 * Kinds no schema exists for, skipped under --ignore-missing-schemas: kro instances (their CRD is
 * generated from the RGD by the kro controller; the kro analysis stage derives it) and Backstage's
 * own objects (catalog entity, scaffolder template, and a skeleton full of `${{ }}` placeholders).
 */
const NO_SCHEMA = [
  'kro/aws-llm-ollama.instance.yaml',
  'kro/kubernetes-webapp.instance.yaml',
  'appmod-blueprints/backstage.ray-serve-gpu.skeleton.catalog-info.yaml',
  'appmod-blueprints/backstage.ray-serve-gpu.skeleton.kro-ray-service.yaml',
  'appmod-blueprints/backstage.ray-serve-gpu.template.yaml',
];

describe('real manifests against the real CRDs', () => {
  let registry: SchemaRegistry;
  let strictRegistry: SchemaRegistry;
  beforeAll(() => {
    registry = compiledRegistry({ crds: [CRDS] });
    strictRegistry = compiledRegistry({ crds: [CRDS], strict: true });
  });

  test.each(VALID)('%s is valid', async (file) => {
    const result = await run([r(file)], { registry });
    expect(result.lines).toEqual([]);
    expect(result.summary.valid, counts(result.summary)).toBe(result.summary.resources);
    expect(result.summary.resources).toBeGreaterThan(0);
  });

  test.each(VALID.filter((file) => !file.startsWith('appmod-blueprints/kro-rgd')))('%s is valid under --strict', async (file) => {
    const result = await run([r(file)], { registry: strictRegistry });
    expect(result.lines).toEqual([]);
    expect(result.summary.valid).toBe(result.summary.resources);
  });

  test('the RayServices validate against ray.io_rayservices.yaml and the RGDs against kro.run_resourcegraphdefinitions.yaml', async () => {
    const result = await run(VALID.map(r), { registry });
    const sources = new Map(result.results.map((x) => [x.resource.kind, x.schemaSource ?? '']));
    expect(sources.get('RayService')).toMatch(/ray\.io_rayservices\.yaml \(rayservices\.ray\.io v1\)$/);
    expect(sources.get('ResourceGraphDefinition')).toMatch(/kro\.run_resourcegraphdefinitions\.yaml \(resourcegraphdefinitions\.kro\.run v1alpha1\)$/);
    expect(sources.get('ApplicationSet')).toMatch(/applicationset-crd\.yaml \(applicationsets\.argoproj\.io v1alpha1\)$/);
    expect(sources.get('ConfigMap')).toMatch(/^kubernetes-models@/);
  });

  test.each(NO_SCHEMA)('%s has no schema: an error, or skipped with --ignore-missing-schemas', async (file) => {
    const failing = await run([r(file)], { registry });
    expect(failing.summary.errors).toBe(failing.summary.resources);
    expect(failing.lines.join('\n')).toContain('could not find schema for');
    const skipped = await run([r(file)], { registry, ignoreMissingSchemas: true });
    expect(skipped.summary.skipped).toBe(skipped.summary.resources);
    expect(skipped.exitCode).toBe(0);
  });

  test('appmod-blueprints kro-rgd.ray-service.yaml: its 8 duplicate annotations keys are caught in strict mode only', async () => {
    const file = r('appmod-blueprints/kro-rgd.ray-service.yaml');
    expect((await run([file], { registry })).exitCode).toBe(0);
    const strict = await run([file], { registry: strictRegistry });
    expect(strict.summary.invalid).toBe(1);
    const message = (line: number, first: number, column = 11) =>
      `${file}:${line}:${column}: duplicate key "annotations" (first defined at line ${first}); decoders keep only the last one, so merge the two into one key`;
    expect(strict.lines).toEqual([
      message(28, 19),
      message(63, 54),
      message(103, 84),
      message(240, 221),
      message(382, 363),
      message(560, 542),
      message(645, 636),
      message(672, 663),
    ]);
    expect(strict.results[0]!.diagnostics.every((d) => d.code === 'yaml/duplicate-key')).toBe(true);
  });

  describe('upstream files that are templates, not finished manifests: the findings are real', () => {
    test('data-on-eks Secrets carry an envsubst placeholder where base64 data belongs', async () => {
      for (const [file, line] of [
        ['data-on-eks/vllm-rayserve-gpu.ray-service-vllm.yaml', 12],
        ['data-on-eks/vllm-ray-gpu-deepseek.ray-vllm-deepseek.yml', 14],
      ] as const) {
        const result = await run([r(file)], { registry });
        expect(result.lines).toEqual([`${r(file)}:${line}:13: data.hf-token: "$HUGGING_FACE_HUB_TOKEN" is not a valid byte`]);
        // everything else in the file (Namespace, ConfigMap, RayService) is valid
        expect(result.summary.valid).toBe(result.summary.resources - 1);
      }
    });

    test('the data-on-eks Argo CD Application is a Terraform template: valuesObject holds "${user_values_yaml}"', async () => {
      const file = r('data-on-eks/argocd-applications.kuberay-operator.yaml');
      expect((await run([file], { registry })).lines).toEqual([
        `${file}:16:9: spec.source.helm.valuesObject: expected object, got string "\${user_values_yaml}"`,
      ]);
    });

    test('kro gcp-gemma-on-tpu.rgd.yaml indents name/namespace beside externalRef.metadata instead of under it', async () => {
      const file = r('kro/gcp-gemma-on-tpu.rgd.yaml');
      expect((await run([file], { registry })).lines).toEqual([
        `${file}:19:16: spec.resources[0].externalRef.metadata: expected object, got null`,
      ]);
      expect((await run([file], { registry: strictRegistry })).lines).toEqual([
        `${file}:19:16: spec.resources[0].externalRef.metadata: expected object, got null`,
        `${file}:20:7: spec.resources[0].externalRef.name: unknown field (not in the ResourceGraphDefinition schema); remove it or fix its spelling`,
        `${file}:21:7: spec.resources[0].externalRef.namespace: unknown field (not in the ResourceGraphDefinition schema); remove it or fix its spelling`,
      ]);
    });
  });

  describe('corrupted copies of real manifests', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await tempDir('corrupted-');
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    /** Copies a reference file into a temp dir with one textual change (which must apply exactly once). */
    async function corrupt(file: string, from: string, to: string): Promise<string> {
      const text = await readFile(r(file), 'utf8');
      expect(text.split(from).length - 1, `'${from}' must occur once in ${file}`).toBe(1);
      const target = join(dir, basename(file));
      await writeFile(target, text.replace(from, to));
      return target;
    }

    test('an integer rayStartParams value (KubeRay wants strings) is reported at the value', async () => {
      const file = await corrupt('data-on-eks/vllm-rayserve-gpu.ray-service-vllm.yaml', 'num-cpus: "0"\n      # Pod', 'num-cpus: 0\n      # Pod');
      const result = await run([file], { registry, skipKinds: ['Secret'] });
      expect(result.lines).toEqual([
        `${file}:61:19: spec.rayClusterConfig.headGroupSpec.rayStartParams.num-cpus: expected string, got integer 0`,
      ]);
      expect(result.results.find((x) => x.resource.kind === 'RayService')?.diagnostics[0]?.code).toBe('schema/type');
    });

    test('a string where an integer is required (workerGroupSpecs[0].replicas)', async () => {
      const file = await corrupt('kuberay/ray-service.sample.yaml', '- replicas: 1', '- replicas: "1"');
      expect((await run([file], { registry })).lines).toEqual([
        `${file}:86:17: spec.rayClusterConfig.workerGroupSpecs[0].replicas: expected integer, got string "1"`,
      ]);
    });

    test('a misspelled field passes without --strict and is an unknown field with it', async () => {
      const file = await corrupt('kuberay/ray-service.sample.yaml', 'minReplicas: 1', 'minReplica: 1');
      expect((await run([file], { registry })).lines).toEqual([]);
      const strict = await run([file], { registry: strictRegistry });
      expect(strict.lines).toEqual([
        `${file}:87:7: spec.rayClusterConfig.workerGroupSpecs[0].minReplica: unknown field (not in the RayService schema); remove it or fix its spelling`,
      ]);
      expect(strict.results[0]!.diagnostics[0]!.code).toBe('schema/unknown-field');
    });

    test('a quantity that is not one (memory: "5 GB") inside a RayService pod template', async () => {
      const file = await corrupt('kuberay/ray-service.sample.yaml', 'memory: "5Gi"', 'memory: "5 GB"');
      const [line] = (await run([file], { registry })).lines;
      expect(line).toMatch(
        new RegExp(`^${escape(file)}:80:25: spec\\.rayClusterConfig\\.headGroupSpec\\.template\\.spec\\.containers\\[0\\]\\.resources\\.limits\\.memory: "5 GB" does not match the pattern `),
      );
    });

    test('metadata of a custom resource is checked as ObjectMeta (a label value must be a string)', async () => {
      const file = await corrupt('kuberay/ray-service.sample.yaml', '  name: rayservice-sample\n', '  name: rayservice-sample\n  labels:\n    tier: 1\n');
      expect((await run([file], { registry })).lines).toEqual([`${file}:10:11: metadata.labels.tier: expected string, got integer 1`]);
    });

    test('an unknown field in a core kind under --strict (bundled schemas)', async () => {
      const file = await corrupt('data-on-eks/vllm-rayserve-gpu.ray-service-vllm.yaml', 'kind: Namespace\nmetadata:\n', 'kind: Namespace\nmetadata:\n  nme: typo\n');
      const result = await run([file], { registry: strictRegistry, skipKinds: ['Secret', 'RayService'] });
      expect(result.lines).toEqual([`${file}:4:3: metadata.nme: unknown field (not in the Namespace schema); remove it or fix its spelling`]);
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
