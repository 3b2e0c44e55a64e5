import { GENERATE_DEFAULTS, RAY_ACCELERATOR_TYPES, SERVE_APP, SERVE_AUTOSCALING, WEIGHTS_MOUNT_PATH } from './api.js';

/** CEL over the instance, shared by every template (kept in one place so tests can check them). */
export const CEL = {
  name: 'schema.spec.name',
  namespace: 'schema.metadata.namespace',
  source: 'schema.spec.model.source',
  isS3: 'schema.spec.model.source.startsWith("s3://")',
  isStaged: 'schema.spec.model.source != ""',
  /** mount mode reads the staged S3 prefix through a Mountpoint volume */
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

export interface ServeConfigOptions {
  /** turn on vLLM's engine metrics (default true) */
  readonly engineMetrics?: boolean;
}

/**
 * CEL for Ray's accelerator type name of the instance's `gpuType` (a string): the GPU type itself,
 * except where Ray's name differs (RAY_ACCELERATOR_TYPES).
 */
function acceleratorTypeCel(): string {
  const renamed = Object.entries(RAY_ACCELERATOR_TYPES).filter(([gpu, ray]) => gpu !== ray);
  return renamed.reduceRight(
    (otherwise, [gpu, ray]) => `schema.spec.gpuType == ${JSON.stringify(gpu)} ? ${JSON.stringify(ray)} : ${otherwise}`,
    'schema.spec.gpuType',
  );
}

/**
 * The RayService's serveConfigV2 as a kro string template, for both storage modes (the weights'
 * location and load format are chosen by CEL on `storage`): ONE Serve application,
 * `ray_gitops_serve.app:build_app` from serve/, whose `args` have exactly the shape of
 * serve/config.schema.json. It builds one Ray Serve LLM engine serving the OpenAI routes and the
 * seed's `POST /generate` (two applications would load two engines onto the GPUs).
 *
 * engine_kwargs are built with a YAML merge key: the explicit keys (from the instance's fields) win
 * over the format defaults, which win over the instance's `engineArgs` JSON. KubeRay parses the config
 * with go-yaml, which resolves merge keys, before it sends JSON to Ray; every `${…}` here returns a string.
 */
export function serveConfigTemplate(options: ServeConfigOptions = {}): string {
  const formatDefaults = expr(`${CEL.isMistral} ? "{tokenizer_mode: mistral, config_format: mistral}" : "{}"`);
  // stream: the staged s3:// prefix through vLLM's Run:ai streamer; mount: the Mountpoint volume's path
  const modelSource = expr(`${CEL.isMount} ? ${JSON.stringify(WEIGHTS_MOUNT_PATH)} : ${CEL.source}`);
  const loadFormat = expr(`${CEL.isMount} ? (${CEL.isMistral} ? "mistral" : "safetensors") : "runai_streamer"`);
  return [
    '# Rendered by ray-gitops: one Ray Serve LLM (vLLM) engine for the model, serving /v1 and /generate (serve/).',
    '# args: serve/config.schema.json',
    'applications:',
    `  - name: ${SERVE_APP.name}`,
    `    route_prefix: ${SERVE_APP.routePrefix}`,
    `    import_path: ${SERVE_APP.importPath}`,
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
    `          accelerator_type: ${expr(acceleratorTypeCel())}`,
    // vLLM's engine metrics (TTFT, inter-token latency, KV cache, queue) through Ray's metrics port
    ...(options.engineMetrics === false ? [] : ['          log_engine_metrics: true']),
    '      generate:',
    '        enabled: true',
    `        route: ${GENERATE_DEFAULTS.route}`,
    `        default_max_tokens: ${GENERATE_DEFAULTS.defaultMaxTokens}`,
    `        default_temperature: ${GENERATE_DEFAULTS.defaultTemperature}`,
    `        default_top_p: ${GENERATE_DEFAULTS.defaultTopP}`,
    '',
  ].join('\n');
}
