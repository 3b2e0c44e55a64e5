// KubeRay v1.7.0's per-kind validation (validation.go): metadata, RayCluster upgrade options,
// RayService and RayJob specs. Each calls the shared cluster-spec rules for its embedded cluster.
import { parseDocument } from 'yaml';
import { clusterSpecFindings } from './cluster-spec.js';
import type { KubeRayContext, KubeRayFinding } from './finding.js';
import { asArray, asRecord, dns1035LabelProblems, flag, isExpression, nonEmpty, num, parseGoDuration, parseGoInt, present, str } from './values.js';
import { fastParseStream } from '../validate/fast-yaml.js';
import type { FieldPath } from '../validate/types.js';

export const KUBERAY_KINDS = new Set(['RayCluster', 'RayService', 'RayJob']);

/** MaxRayClusterNameLength and the shorter limits derived from it (constant.go). */
const MAX_NAME_LENGTH: Record<string, number> = { RayCluster: 53, RayService: 47, RayJob: 47 };
const INITIALIZING_TIMEOUT = 'ray.io/initializing-timeout';
const ORIGINATED_FROM = 'ray.io/originated-from-crd';
const CLUSTER_SELECTOR_KEY = 'ray.io/cluster';

/** Every operator rule for one RayCluster, RayService or RayJob object found at `path`. */
export function kuberayFindings(kind: string, object: Record<string, unknown>, path: FieldPath, context: KubeRayContext): KubeRayFinding[] {
  if (!KUBERAY_KINDS.has(kind)) return [];
  const metadata = asRecord(object.metadata) ?? {};
  const annotations = asRecord(metadata.annotations) ?? {};
  const spec = asRecord(object.spec) ?? {};
  const specPath = [...path, 'spec'];
  const findings = metadataFindings(kind, metadata, [...path, 'metadata']);
  if (kind === 'RayCluster') {
    findings.push(...rayClusterUpgrade(spec, specPath, metadata, [...path, 'metadata']));
    findings.push(...clusterSpecFindings(spec, specPath, annotations, context));
  } else if (kind === 'RayService') {
    findings.push(...rayServiceFindings(spec, specPath, annotations, context));
  } else {
    findings.push(...rayJobFindings(spec, specPath, annotations, context));
  }
  return findings;
}

function metadataFindings(kind: string, metadata: Record<string, unknown>, path: FieldPath): KubeRayFinding[] {
  const findings: KubeRayFinding[] = [];
  const name = str(metadata.name);
  if (name !== undefined) {
    const max = MAX_NAME_LENGTH[kind]!;
    if (name.length > max) {
      findings.push({ rule: 'kuberay/name-length', path: [...path, 'name'], message: `${kind} name ${name} is ${name.length} characters; KubeRay allows at most ${max} (it derives longer names from it), shorten it` });
    }
    const problems = dns1035LabelProblems(name);
    if (problems.length > 0) findings.push({ rule: 'kuberay/name-dns1035', path: [...path, 'name'], message: `${kind} name ${name} must be a valid DNS-1035 label: ${problems.join('; ')}` });
  }
  const timeout = asRecord(metadata.annotations)?.[INITIALIZING_TIMEOUT];
  if (kind === 'RayService' && typeof timeout === 'string' && timeout !== '' && !isExpression(timeout)) {
    const duration = parseGoDuration(timeout);
    const seconds = duration === undefined ? parseGoInt(timeout) : undefined;
    const at = [...path, 'annotations', INITIALIZING_TIMEOUT];
    if (duration === undefined && seconds === undefined) {
      findings.push({ rule: 'kuberay/initializing-timeout', path: at, message: `annotation ${INITIALIZING_TIMEOUT} has an invalid format: ${timeout}; use a Go duration (5m, 1h) or a positive number of seconds` });
    } else if ((duration ?? seconds!) <= 0) {
      findings.push({ rule: 'kuberay/initializing-timeout', path: at, message: `annotation ${INITIALIZING_TIMEOUT} must be positive, got ${timeout}` });
    }
  }
  return findings;
}

function rayClusterUpgrade(
  spec: Record<string, unknown>,
  path: FieldPath,
  metadata: Record<string, unknown>,
  metadataPath: FieldPath,
): KubeRayFinding[] {
  const strategy = asRecord(spec.upgradeStrategy);
  const type = strategy?.type;
  if (!present(type)) return [];
  const at = [...path, 'upgradeStrategy', 'type'];
  const findings: KubeRayFinding[] = [];
  if (typeof type === 'string' && !isExpression(type) && type !== 'Recreate' && type !== 'None') {
    findings.push({ rule: 'kuberay/upgrade-strategy-type', path: at, message: `RayCluster upgradeStrategy.type ${type} is invalid; valid options are Recreate or None` });
  }
  const origin = asRecord(metadata.labels)?.[ORIGINATED_FROM];
  if (origin === 'RayJob' || origin === 'RayService') {
    findings.push({ rule: 'kuberay/upgrade-strategy-owner', path: [...path, 'upgradeStrategy'], target: 'key', message: `upgradeStrategy cannot be set on a RayCluster created by a ${origin} (label ${ORIGINATED_FROM} at ${[...metadataPath, 'labels'].join('.')}); set it on the ${origin}` });
  }
  return findings;
}

function rayServiceFindings(
  spec: Record<string, unknown>,
  path: FieldPath,
  annotations: Record<string, unknown>,
  context: KubeRayContext,
): KubeRayFinding[] {
  const findings: KubeRayFinding[] = [];
  const cluster = asRecord(spec.rayClusterConfig) ?? {};
  const clusterPath = [...path, 'rayClusterConfig'];
  if (asRecord(cluster.authOptions)?.enableK8sTokenAuth === true) {
    findings.push({ rule: 'kuberay/k8s-token-auth-unsupported', path: [...clusterPath, 'authOptions', 'enableK8sTokenAuth'], message: 'K8s token auth (authOptions.enableK8sTokenAuth) is not supported for RayService' });
  }
  findings.push(...clusterSpecFindings(cluster, clusterPath, annotations, context));
  const headServiceName = asRecord(asRecord(asRecord(cluster.headGroupSpec)?.headService)?.metadata)?.name;
  if (typeof headServiceName === 'string' && headServiceName !== '') {
    findings.push({ rule: 'kuberay/head-service-name', path: [...clusterPath, 'headGroupSpec', 'headService', 'metadata', 'name'], target: 'key', message: 'rayClusterConfig.headGroupSpec.headService.metadata.name should not be set: KubeRay names the head service of each cluster it creates' });
  }
  const strategy = asRecord(spec.upgradeStrategy);
  const type = str(strategy?.type);
  if (type !== undefined && !['None', 'NewCluster', 'NewClusterWithIncrementalUpgrade'].includes(type)) {
    findings.push({ rule: 'kuberay/upgrade-strategy-type', path: [...path, 'upgradeStrategy', 'type'], message: `RayService upgradeStrategy.type ${type} is invalid; valid options are NewClusterWithIncrementalUpgrade, NewCluster or None` });
  }
  const delay = num(spec.rayClusterDeletionDelaySeconds);
  if (delay !== undefined && delay < 0) {
    findings.push({ rule: 'kuberay/cluster-deletion-delay', path: [...path, 'rayClusterDeletionDelaySeconds'], message: `rayClusterDeletionDelaySeconds must be non-negative, got ${delay}` });
  }
  if (type === 'NewClusterWithIncrementalUpgrade' && context.gates.RayServiceIncrementalUpgrade) {
    findings.push(...incrementalUpgrade(cluster, strategy!, [...path, 'upgradeStrategy']));
  }
  const serve = spec.serveConfigV2;
  if (typeof serve === 'string' && !isExpression(serve)) {
    const problem = yamlMappingProblem(serve);
    if (problem) findings.push({ rule: 'kuberay/serve-config-yaml', path: [...path, 'serveConfigV2'], message: `serveConfigV2 ${problem}; the operator cannot submit it to Ray Serve` });
  }
  return findings;
}

function incrementalUpgrade(cluster: Record<string, unknown>, strategy: Record<string, unknown>, path: FieldPath): KubeRayFinding[] {
  const rule = 'kuberay/incremental-upgrade-options';
  const autoscaling = flag(cluster.enableInTreeAutoscaling);
  if (autoscaling === 'unknown') return [];
  if (autoscaling !== true) return [{ rule, path: [...path, 'type'], message: 'NewClusterWithIncrementalUpgrade needs the Ray autoscaler: set rayClusterConfig.enableInTreeAutoscaling: true' }];
  const options = asRecord(strategy.clusterUpgradeOptions);
  if (!options) return [{ rule, path: [...path, 'type'], message: 'NewClusterWithIncrementalUpgrade needs upgradeStrategy.clusterUpgradeOptions' }];
  const at = [...path, 'clusterUpgradeOptions'];
  const findings: KubeRayFinding[] = [];
  // the CRD defaults maxSurgePercent to 100
  const maxSurge = present(options.maxSurgePercent) ? num(options.maxSurgePercent) : 100;
  const step = num(options.stepSizePercent);
  const interval = num(options.intervalSeconds);
  const percent = (value: number | undefined) => value !== undefined && (value < 0 || value > 100);
  if (percent(maxSurge)) findings.push({ rule, path: [...at, 'maxSurgePercent'], message: 'maxSurgePercent must be between 0 and 100' });
  if (!present(options.stepSizePercent) || percent(step)) findings.push({ rule, path: present(options.stepSizePercent) ? [...at, 'stepSizePercent'] : at, ...(present(options.stepSizePercent) ? {} : { target: 'key' as const }), message: 'stepSizePercent must be set, between 0 and 100' });
  else if (step !== undefined && maxSurge !== undefined && step > maxSurge) findings.push({ rule, path: [...at, 'stepSizePercent'], message: `stepSizePercent ${step} must be less than or equal to maxSurgePercent ${maxSurge}` });
  if (!present(options.intervalSeconds) || (interval !== undefined && interval <= 0)) findings.push({ rule, path: present(options.intervalSeconds) ? [...at, 'intervalSeconds'] : at, ...(present(options.intervalSeconds) ? {} : { target: 'key' as const }), message: 'intervalSeconds must be greater than 0' });
  if (!present(options.gatewayClassName) || options.gatewayClassName === '') findings.push({ rule, path: at, target: 'key', message: 'gatewayClassName is required for NewClusterWithIncrementalUpgrade' });
  return findings;
}

function rayJobFindings(
  spec: Record<string, unknown>,
  path: FieldPath,
  annotations: Record<string, unknown>,
  context: KubeRayContext,
): KubeRayFinding[] {
  const findings: KubeRayFinding[] = [];
  const add = (rule: string, at: FieldPath, message: string, target?: 'key') => findings.push({ rule, path: at, message, ...(target ? { target } : {}) });
  const shutdown = spec.shutdownAfterJobFinishes === true;
  const shutdownKnown = !isExpression(spec.shutdownAfterJobFinishes);
  const selectorMode = nonEmpty(spec.clusterSelector);
  const mode = str(spec.submissionMode);
  const backoff = num(spec.backoffLimit);
  const cluster = asRecord(spec.rayClusterSpec);
  const clusterPath = [...path, 'rayClusterSpec'];

  if (spec.suspend === true && shutdownKnown && !shutdown) add('kuberay/rayjob-suspend', [...path, 'suspend'], 'a RayJob with shutdownAfterJobFinishes false cannot be suspended');
  const ttl = num(spec.ttlSecondsAfterFinished);
  if (ttl !== undefined && ttl < 0) add('kuberay/rayjob-ttl', [...path, 'ttlSecondsAfterFinished'], 'ttlSecondsAfterFinished must be a non-negative integer');
  if (ttl !== undefined && ttl > 0 && shutdownKnown && !shutdown) add('kuberay/rayjob-ttl', [...path, 'ttlSecondsAfterFinished'], 'a RayJob with shutdownAfterJobFinishes false cannot have ttlSecondsAfterFinished; set shutdownAfterJobFinishes: true or drop the TTL');
  findings.push(...deletionStrategy(spec, path, cluster, selectorMode, shutdown, context));

  if (spec.suspend === true && selectorMode) add('kuberay/rayjob-cluster-selector', [...path, 'suspend'], "the clusterSelector mode doesn't support suspending a RayJob");
  if (!cluster && !selectorMode && !isExpression(spec.rayClusterSpec)) add('kuberay/rayjob-cluster-selector', path, 'one of rayClusterSpec or clusterSelector must be set', 'key');
  if (selectorMode) {
    const clusterName = asRecord(spec.clusterSelector)?.[CLUSTER_SELECTOR_KEY];
    if (typeof clusterName !== 'string' || clusterName === '') add('kuberay/rayjob-cluster-selector', [...path, 'clusterSelector'], `clusterSelector must name the cluster under the key ${CLUSTER_SELECTOR_KEY}`, 'key');
    if (mode === 'SidecarMode') add('kuberay/rayjob-cluster-selector', [...path, 'submissionMode'], 'clusterSelector is not supported in SidecarMode');
    if (backoff !== undefined && backoff > 0) add('kuberay/rayjob-cluster-selector', [...path, 'backoffLimit'], 'backoffLimit is incompatible with the clusterSelector mode');
  }
  if (mode === 'InteractiveMode' && backoff !== undefined && backoff > 0) add('kuberay/rayjob-interactive-backoff', [...path, 'backoffLimit'], 'backoffLimit is incompatible with InteractiveMode (a retried job keeps its job id)');
  if (mode === 'SidecarMode') {
    if (present(spec.submitterPodTemplate)) add('kuberay/rayjob-sidecar', [...path, 'submitterPodTemplate'], "SidecarMode doesn't support submitterPodTemplate", 'key');
    if (present(spec.submitterConfig)) add('kuberay/rayjob-sidecar', [...path, 'submitterConfig'], "SidecarMode doesn't support submitterConfig", 'key');
    const restart = str(asRecord(asRecord(asRecord(cluster?.headGroupSpec)?.template)?.spec)?.restartPolicy);
    if (restart !== undefined && restart !== '' && restart !== 'Never') add('kuberay/rayjob-sidecar', [...clusterPath, 'headGroupSpec', 'template', 'spec', 'restartPolicy'], `restartPolicy for the head Pod must be Never or unset in SidecarMode, got ${restart}`);
  }
  if (cluster) {
    if (asRecord(cluster.authOptions)?.enableK8sTokenAuth === true) add('kuberay/k8s-token-auth-unsupported', [...clusterPath, 'authOptions', 'enableK8sTokenAuth'], 'K8s token auth (authOptions.enableK8sTokenAuth) is not supported for RayJob');
    findings.push(...clusterSpecFindings(cluster, clusterPath, annotations, context));
  }
  const runtimeEnv = spec.runtimeEnvYAML;
  if (typeof runtimeEnv === 'string' && !isExpression(runtimeEnv)) {
    const problem = yamlMappingProblem(runtimeEnv);
    if (problem) add('kuberay/rayjob-runtime-env-yaml', [...path, 'runtimeEnvYAML'], `runtimeEnvYAML ${problem}`);
  }
  const active = num(spec.activeDeadlineSeconds);
  if (active !== undefined && active <= 0) add('kuberay/rayjob-deadlines', [...path, 'activeDeadlineSeconds'], 'activeDeadlineSeconds must be a positive integer');
  const preRunning = num(spec.preRunningDeadlineSeconds);
  if (preRunning !== undefined && preRunning <= 0) add('kuberay/rayjob-deadlines', [...path, 'preRunningDeadlineSeconds'], 'preRunningDeadlineSeconds must be a positive integer');
  if (backoff !== undefined && backoff < 0) add('kuberay/rayjob-deadlines', [...path, 'backoffLimit'], 'backoffLimit must not be negative');
  return findings;
}

const DELETION_ORDER = ['DeleteWorkers', 'DeleteCluster', 'DeleteSelf'];

function deletionStrategy(
  spec: Record<string, unknown>,
  path: FieldPath,
  cluster: Record<string, unknown> | undefined,
  selectorMode: boolean,
  shutdown: boolean,
  context: KubeRayContext,
): KubeRayFinding[] {
  const strategy = asRecord(spec.deletionStrategy);
  if (!strategy) return [];
  const rule = 'kuberay/rayjob-deletion-strategy';
  const at = [...path, 'deletionStrategy'];
  if (!context.gates.RayJobDeletionPolicy) return [{ rule, path: at, target: 'key', message: 'deletionStrategy needs the RayJobDeletionPolicy feature gate' }];
  const findings: KubeRayFinding[] = [];
  const add = (where: FieldPath, message: string, target?: 'key') => findings.push({ rule, path: where, message, ...(target ? { target } : {}) });
  const legacy = present(strategy.onSuccess) || present(strategy.onFailure);
  const rules = asArray(strategy.deletionRules);
  const autoscaling = cluster?.enableInTreeAutoscaling === true;
  if (rules.length > 0 && shutdown) return [{ rule, path: [...at, 'deletionRules'], target: 'key', message: 'shutdownAfterJobFinishes and deletionStrategy.deletionRules are mutually exclusive' }];
  if (rules.length > 0 && legacy) return [{ rule, path: [...at, 'deletionRules'], target: 'key', message: 'use either the legacy onSuccess/onFailure fields or deletionRules, not both' }];
  if (legacy) {
    const onSuccess = asRecord(strategy.onSuccess);
    const onFailure = asRecord(strategy.onFailure);
    if (!onSuccess || !onFailure) return [{ rule, path: at, target: 'key', message: 'both deletionStrategy.onSuccess and deletionStrategy.onFailure must be set when using the legacy fields' }];
    const success = onSuccess.policy;
    const failure = onFailure.policy;
    if (!present(success)) return [{ rule, path: [...at, 'onSuccess'], target: 'key', message: 'deletionStrategy.onSuccess.policy must be set' }];
    if (!present(failure)) return [{ rule, path: [...at, 'onFailure'], target: 'key', message: 'deletionStrategy.onFailure.policy must be set' }];
    const destructive = (policy: unknown) => policy === 'DeleteCluster' || policy === 'DeleteWorkers';
    if (selectorMode && destructive(success)) add([...at, 'onSuccess', 'policy'], `the clusterSelector mode doesn't support deletion policy ${String(success)} on success`);
    else if (selectorMode && destructive(failure)) add([...at, 'onFailure', 'policy'], `the clusterSelector mode doesn't support deletion policy ${String(failure)} on failure`);
    else if ((success === 'DeleteWorkers' || failure === 'DeleteWorkers') && autoscaling) add([...at, success === 'DeleteWorkers' ? 'onSuccess' : 'onFailure', 'policy'], 'DeleteWorkers does not support a RayCluster with autoscaling enabled');
    else if (shutdown && (success === 'DeleteNone' || failure === 'DeleteNone')) add([...at, success === 'DeleteNone' ? 'onSuccess' : 'onFailure', 'policy'], "shutdownAfterJobFinishes is true while the deletion policy is 'DeleteNone'");
    return findings;
  }
  if (rules.length === 0) return [{ rule, path: at, target: 'key', message: 'deletionStrategy needs either both onSuccess and onFailure, or a non-empty deletionRules list' }];
  const byCondition = new Map<string, Map<string, number>>();
  rules.forEach((item, index) => {
    const entry = asRecord(item) ?? {};
    const where = [...at, 'deletionRules', index];
    const condition = asRecord(entry.condition) ?? {};
    const jobStatus = condition.jobStatus;
    const deploymentStatus = condition.jobDeploymentStatus;
    if (present(jobStatus) && present(deploymentStatus)) return add([...where, 'condition'], `deletionRules[${index}]: cannot set both jobStatus and jobDeploymentStatus`, 'key');
    if (!present(jobStatus) && !present(deploymentStatus)) return add([...where, 'condition'], `deletionRules[${index}]: exactly one of jobStatus and jobDeploymentStatus must be set`, 'key');
    const ttl = num(condition.ttlSeconds) ?? 0;
    if (ttl < 0) return add([...where, 'condition', 'ttlSeconds'], `deletionRules[${index}]: ttlSeconds must be non-negative`);
    const policy = String(entry.policy);
    if (selectorMode && (policy === 'DeleteCluster' || policy === 'DeleteWorkers')) return add([...where, 'policy'], `deletionRules[${index}]: policy ${policy} is not supported when clusterSelector is set`);
    if (autoscaling && policy === 'DeleteWorkers') return add([...where, 'policy'], `deletionRules[${index}]: policy DeleteWorkers is not supported with autoscaling enabled`);
    const key = present(jobStatus) ? `JobStatus '${String(jobStatus)}'` : `JobDeploymentStatus '${String(deploymentStatus)}'`;
    const policies = byCondition.get(key) ?? new Map<string, number>();
    byCondition.set(key, policies);
    if (policies.has(policy)) return add([...where, 'policy'], `deletionRules[${index}]: duplicate rule for policy ${policy} and ${key}`);
    policies.set(policy, ttl);
    return undefined;
  });
  for (const [key, policies] of byCondition) {
    let previous: [string, number] | undefined;
    for (const policy of DELETION_ORDER) {
      const ttl = policies.get(policy);
      if (ttl === undefined) continue;
      if (previous && ttl < previous[1]) add([...at, 'deletionRules'], `for ${key}: ${policy} TTL (${ttl}) must be >= ${previous[0]} TTL (${previous[1]})`, 'key');
      previous = [policy, ttl];
    }
  }
  return findings;
}

/** Why a text is not a YAML mapping the operator can unmarshal into a map (undefined when it is). */
function yamlMappingProblem(text: string): string | undefined {
  // the fast reader takes the usual serve config in a fraction of the time; anything unusual goes to `yaml`
  const fast = fastParseStream(text);
  if (fast && fast.length <= 1) return mappingProblem(fast[0]?.value ?? null);
  const document = parseDocument(text);
  if (document.errors.length > 0) return `is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`;
  return mappingProblem(document.toJS());
}

function mappingProblem(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return 'must be a YAML mapping';
  return undefined;
}
