import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT, tempDir, validate } from './helpers.js';
import { applyDefaults, evaluateCel, expandResourceGraph, instanceCrd, type RgdResource } from '../../src/kro/index.js';

/**
 * Each committed LLMService instance expanded with the committed RGD the way kro expands it: every
 * `${…}` evaluated by a real CEL implementation (@marcbachmann/cel-js) against the instance with its
 * CRD defaults. The committed models are not staged yet, so each is also expanded as the deploy
 * renders it once prestage has recorded its weights, under each upgrade strategy.
 */

interface Rgd {
  spec: { schema: { status: Record<string, string> } & Record<string, unknown>; resources: RgdResource[] };
}

const GITOPS = join(REPO_ROOT, 'gitops');
const rgd = parse(readFileSync(join(GITOPS, 'platform', 'llm-service.rgd.yaml'), 'utf8')) as Rgd;
const crd = instanceCrd(rgd.spec.schema as never);
const instanceSchema = crd.spec.versions[0]!.schema.openAPIV3Schema;
const MODELS = readdirSync(join(GITOPS, 'workloads')).sort();
const committed = (model: string) => parse(readFileSync(join(GITOPS, 'workloads', model, 'instance.yaml'), 'utf8')) as { metadata: Record<string, any>; spec: Record<string, any> };

/** KubeRay v1.7.0: the Service of a RayService's Serve port is `<rayservice>-serve-svc` (utils.GenerateServeServiceName), on the head's port named `serve`. */
const SERVE_SERVICE_SUFFIX = '-serve-svc';

const UPGRADE_TYPES = { 'new-cluster': 'NewCluster', 'incremental': 'NewClusterWithIncrementalUpgrade', 'none': 'None' } as const;

function staged(model: string, upgrade: keyof typeof UPGRADE_TYPES, storage?: 'stream' | 'mount') {
  const instance = structuredClone(committed(model));
  const commit = 'c'.repeat(40);
  instance.spec.model = { ...instance.spec.model, source: `s3://models-bucket/models/${model}/${commit}/`, commit, manifest: `s3://models-bucket/models/.manifests/${model}/${commit}.json` };
  instance.spec.upgrade = upgrade;
  if (storage) instance.spec.storage = storage;
  return instance;
}

function expand(instance: Record<string, unknown>) {
  return expandResourceGraph(rgd.spec.resources, applyDefaults(instanceSchema, instance) as Record<string, unknown>);
}

function byKind(resources: { object: Record<string, any> }[], kind: string) {
  return resources.map((resource) => resource.object).filter((object) => object.kind === kind);
}

/** The pod templates of a RayService: the head's and every worker group's. */
function podTemplates(rayService: Record<string, any>) {
  const cluster = rayService.spec.rayClusterConfig;
  return [cluster.headGroupSpec.template, ...cluster.workerGroupSpecs.map((group: any) => group.template)];
}

describe.each(MODELS)('the committed instance %s, expanded as kro would', (model) => {
  test('as committed (not staged): the service account and its Pod Identity association, nothing that needs weights', () => {
    const resources = expand(committed(model));
    expect(resources.map((resource) => resource.object.kind)).toEqual(['ServiceAccount', 'PodIdentityAssociation']);
  });

  test.each(['new-cluster', 'incremental', 'none'] as const)('staged, upgrade: %s', async (upgrade) => {
    const resources = expand(staged(model, upgrade));
    const [rayService, ...others] = byKind(resources, 'RayService');
    expect(others).toEqual([]);
    const pods = podTemplates(rayService!);

    // identity: exactly one association, for the very namespace and service account the pods run as
    const associations = byKind(resources, 'PodIdentityAssociation');
    expect(associations).toHaveLength(1);
    const association = associations[0]!;
    for (const pod of pods) expect(pod.spec.serviceAccountName).toBe(association.spec.serviceAccount);
    expect(association.spec.namespace).toBe(rayService!.metadata.namespace);
    expect(association.metadata.namespace).toBe(rayService!.metadata.namespace);
    expect(association.spec.roleARN).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(association.spec.clusterName).toBeTruthy();
    const [serviceAccount] = byKind(resources, 'ServiceAccount');
    const { namespace, name } = serviceAccount!.metadata;
    expect([namespace, name]).toEqual([association.spec.namespace, association.spec.serviceAccount]);
    // the workers' init check expects the associated role
    const check = pods.at(-1).spec.initContainers[0];
    const env = Object.fromEntries(check.env.map((variable: any) => [variable.name, variable.value]));
    expect(env.EXPECTED_ROLE_ARN).toBe(association.spec.roleARN);
    expect(association.spec.roleARN.endsWith(`/${env.EXPECTED_ROLE_NAME}`)).toBe(true);

    // upgrades: the strategy the catalog asked for
    expect(rayService!.spec.upgradeStrategy.type).toBe(UPGRADE_TYPES[upgrade]);
    if (upgrade === 'incremental') {
      expect(rayService!.spec.upgradeStrategy.clusterUpgradeOptions).toMatchObject({
        gatewayClassName: expect.any(String),
        stepSizePercent: expect.any(Number),
        intervalSeconds: expect.any(Number),
      });
    }

    // the way in: an HTTPRoute to the Serve service and port KubeRay creates; with an incremental
    // upgrade KubeRay makes its own Gateway and route, so there is none of ours
    const routes = byKind(resources, 'HTTPRoute');
    if (upgrade === 'incremental') {
      expect(routes).toEqual([]);
    } else {
      expect(routes).toHaveLength(1);
      const servePort = pods[0].spec.containers[0].ports.find((port: any) => port.name === 'serve').containerPort;
      expect(servePort).toBe(8000);
      expect(routes[0]!.metadata.namespace).toBe(rayService!.metadata.namespace);
      expect(routes[0]!.spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: `${rayService!.metadata.name}${SERVE_SERVICE_SUFFIX}`, port: servePort }]);
      expect(routes[0]!.spec.rules[0].matches[0].path).toEqual({ type: 'PathPrefix', value: `/models/${model}` });
    }

    // observability: a PodMonitor whose selector matches the head and the workers, on a port they name
    const [monitor] = byKind(resources, 'PodMonitor');
    for (const pod of pods) {
      expect(pod.metadata.labels).toMatchObject(monitor!.spec.selector.matchLabels);
      expect(pod.spec.containers[0].ports.map((port: any) => port.name)).toContain(monitor!.spec.podMetricsEndpoints[0].port);
    }
    const serveConfig = parse(rayService!.spec.serveConfigV2, { merge: true });
    expect(serveConfig.applications[0].args.llm_configs[0].log_engine_metrics).toBe(true);

    // pod hygiene: preStop, a bounded /dev/shm, ephemeral-storage requests, a budget for the GPU workers
    const worker = pods.at(-1).spec;
    expect(worker.containers[0].lifecycle.preStop.exec.command.join(' ')).toContain('ray stop');
    expect(worker.volumes.find((volume: any) => volume.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: `${2 * committed(model).spec.gpuCount}Gi` });
    expect(worker.containers[0].resources.requests['ephemeral-storage']).toBeTruthy();
    const [budget] = byKind(resources, 'PodDisruptionBudget');
    expect(worker.metadata?.labels ?? pods.at(-1).metadata.labels).toMatchObject(budget!.spec.selector.matchLabels);
    expect(pods[0].metadata.labels).not.toMatchObject(budget!.spec.selector.matchLabels);

    // every resource is valid against its CRD (or the built-in schema)
    const dir = await tempDir('expanded');
    await writeFile(join(dir, 'resources.yaml'), resources.map((resource) => stringify(resource.object)).join('---\n'));
    const validation = await validate([dir]);
    expect(validation.problems).toEqual([]);
    expect(validation.summary).toMatchObject({ invalid: 0, errors: 0, skipped: 0, resources: resources.length });
  });

  test('mount mode mounts the claim kro creates beside the RayService', () => {
    const resources = expand(staged(model, 'new-cluster', 'mount'));
    const [claim] = byKind(resources, 'PersistentVolumeClaim');
    const worker = podTemplates(byKind(resources, 'RayService')[0]!).at(-1).spec;
    expect(worker.volumes).toContainEqual({ name: 'weights', persistentVolumeClaim: { claimName: claim!.metadata.name, readOnly: true } });
    expect(worker.containers[0].volumeMounts).toContainEqual({ name: 'weights', mountPath: '/mnt/models', readOnly: true });
  });

  test('the LLMService status: endpoint, ready, serving image and staged commit, from the RayService KubeRay reports on', () => {
    const instance = applyDefaults(instanceSchema, staged(model, 'new-cluster')) as Record<string, unknown>;
    const resources = expandResourceGraph(rgd.spec.resources, instance);
    const rayService: Record<string, any> = { ...byKind(resources, 'RayService')[0]!, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const scope = { schema: instance, rayService };
    const status = Object.fromEntries(Object.entries(rgd.spec.schema.status).map(([field, text]) => [field, evaluateCel(text.slice(2, -1), scope)]));
    expect(status).toEqual({
      endpoint: `http://${model}-serve-svc.llm-serving.svc:8000/v1`,
      ready: true,
      servingImage: rayService.spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].image,
      stagedCommit: 'c'.repeat(40),
    });
    expect(evaluateCel(rgd.spec.schema.status.ready!.slice(2, -1), { ...scope, rayService: { ...rayService, status: {} } })).toBe(false);
  });
});
