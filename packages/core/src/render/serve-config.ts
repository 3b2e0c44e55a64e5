import { SERVE_APPS, SERVE_AUTOSCALING, WEIGHTS_MOUNT_PATH } from './api.js';

/** CEL over the instance, shared by every template (kept in one place so tests can check them). */
export const CEL = {
  name: 'schema.spec.name',
  namespace: 'schema.metadata.namespace',
  source: 'schema.spec.model.source',
  isS3: 'schema.spec.model.source.startsWith("s3://")',
  isStaged: 'schema.spec.model.source != ""',
  /** mount mode needs weights in S3; a Hub id is always streamed from the Hub */
  isMount: 'schema.spec.storage == "mount" && schema.spec.model.source.startsWith("s3://")',
  isMistral: 'schema.spec.model.format == "mistral"',
  /** `bucket` of s3://bucket/key/ */
  bucket: 'schema.spec.model.source.split("/")[2]',
  /** `key/` of s3://bucket/key/ */
  keyPrefix: 'schema.spec.model.source.substring(schema.spec.model.source.indexOf("/", 5) + 1)',
} as const;

/** `${expr}` */
export function expr(source: string): string {
  return `\${${source}}`;
}

export type StorageMode = 'stream' | 'mount';

/**
 * The RayService's serveConfigV2 as a kro string template: two Serve applications, Ray Serve LLM's
 * OpenAI-compatible app for the model and serve/'s `/generate` ingress over the same deployment.
 *
 * engine_kwargs are built with a YAML merge key: the explicit keys (from the instance's fields) win
 * over the format defaults, which win over the instance's `engineArgs` JSON. KubeRay parses the config
 * with go-yaml, which resolves merge keys, before it sends JSON to Ray; every `${…}` here returns a string.
 */
export function serveConfigTemplate(mode: StorageMode): string {
  const formatDefaults = expr(`${CEL.isMistral} ? "{tokenizer_mode: mistral, config_format: mistral}" : "{}"`);
  const modelSource = mode === 'stream' ? expr(CEL.source) : WEIGHTS_MOUNT_PATH;
  const loadFormat =
    mode === 'stream'
      ? expr(`${CEL.isS3} ? "runai_streamer" : "auto"`)
      : expr(`${CEL.isMistral} ? "mistral" : "safetensors"`);
  return [
    '# Rendered by ray-gitops: Ray Serve LLM (vLLM) for one model, plus the /generate route from serve/.',
    'applications:',
    `  - name: ${SERVE_APPS.llm.name}`,
    `    route_prefix: ${SERVE_APPS.llm.routePrefix}`,
    `    import_path: ${SERVE_APPS.llm.importPath}`,
    '    args:',
    '      llm_configs:',
    '        - model_loading_config:',
    `            model_id: ${expr(CEL.name)}`,
    `            model_source: ${modelSource}`,
    '          engine_kwargs:',
    '            # explicit keys win over the format defaults, which win over engineArgs',
    `            <<: [${formatDefaults}, ${expr('schema.spec.engineArgs')}]`,
    `            tensor_parallel_size: ${expr('string(schema.spec.gpuCount)')}`,
    `            max_model_len: ${expr('string(schema.spec.maxModelLen)')}`,
    `            load_format: ${loadFormat}`,
    '          deployment_config:',
    '            autoscaling_config:',
    `              min_replicas: ${expr('string(schema.spec.minReplicas)')}`,
    `              max_replicas: ${expr('string(schema.spec.maxReplicas)')}`,
    `              target_ongoing_requests: ${SERVE_AUTOSCALING.targetOngoingRequests}`,
    `            max_ongoing_requests: ${SERVE_AUTOSCALING.maxOngoingRequests}`,
    `  - name: ${SERVE_APPS.generate.name}`,
    `    route_prefix: ${SERVE_APPS.generate.routePrefix}`,
    `    import_path: ${SERVE_APPS.generate.importPath}`,
    '    args:',
    `      llm_app: ${SERVE_APPS.llm.name}`,
    `      model_id: ${expr(CEL.name)}`,
    `      max_model_len: ${expr('string(schema.spec.maxModelLen)')}`,
    '',
  ].join('\n');
}
