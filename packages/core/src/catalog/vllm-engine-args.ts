/**
 * The engine arguments of the vLLM version the image runs (docker/versions.json "vllm"), as catalog
 * entries write them: the fields of vLLM's `EngineArgs` dataclass (vllm/engine/arg_utils.py) in
 * kebab-case, which is also how `vllm serve` spells them as flags.
 *
 * Where the list came from: vllm-project/vllm, vllm/engine/arg_utils.py, the `EngineArgs` field
 * declarations, read at commit 99d7eb5d6a512cfcc5a2b104f24ebf2d6cda772b, a snapshot of the 0.11 line
 * (it already marks the guided-decoding flags "will be removed in v0.12.0"). Left out: the private
 * `_api_process_count` / `_api_process_rank`, and `external_parameters`, which that snapshot declares
 * but no vLLM release has. When docker/versions.json moves to another vLLM, read the same declarations
 * at that release's tag, update this list and ENGINE_ARGS_VLLM_VERSION together (a test holds them to
 * versions.json).
 */
export const ENGINE_ARGS_VLLM_VERSION = '0.11.0';

export const VLLM_ENGINE_ARGS: readonly string[] = [
  'additional-config', 'aggregate-engine-logging', 'all2all-backend', 'allowed-local-media-path',
  'allowed-media-domains', 'async-scheduling', 'block-size', 'calculate-kv-scales', 'code-revision',
  'collect-detailed-traces', 'compilation-config', 'config-format', 'convert', 'cpu-offload-gb', 'cuda-graph-sizes',
  'cudagraph-capture-sizes', 'data-parallel-address', 'data-parallel-backend', 'data-parallel-hybrid-lb',
  'data-parallel-rank', 'data-parallel-rpc-port', 'data-parallel-size', 'data-parallel-size-local',
  'data-parallel-start-rank', 'dbo-decode-token-threshold', 'dbo-prefill-token-threshold',
  'decode-context-parallel-size', 'default-mm-loras', 'disable-cascade-attn', 'disable-chunked-mm-input',
  'disable-custom-all-reduce', 'disable-hybrid-kv-cache-manager', 'disable-log-stats',
  'disable-mm-preprocessor-cache', 'disable-nccl-for-dp-synchronization', 'disable-sliding-window',
  'distributed-executor-backend', 'download-dir', 'dtype', 'enable-chunked-prefill', 'enable-dbo', 'enable-eplb',
  'enable-expert-parallel', 'enable-lora', 'enable-mm-embeds', 'enable-multimodal-encoder-data-parallel',
  'enable-prefix-caching', 'enable-prompt-embeds', 'enable-sleep-mode', 'enforce-eager', 'eplb-config',
  'eplb-log-balancedness', 'eplb-step-interval', 'eplb-window-size', 'expert-placement-strategy',
  'fully-sharded-loras', 'generation-config', 'gpu-memory-utilization', 'guided-decoding-backend',
  'guided-decoding-disable-additional-properties', 'guided-decoding-disable-any-whitespace',
  'guided-decoding-disable-fallback', 'hf-config-path', 'hf-overrides', 'hf-token', 'ignore-patterns',
  'interleave-mm-strings', 'io-processor-plugin', 'kv-cache-dtype', 'kv-cache-memory-bytes', 'kv-events-config',
  'kv-sharing-fast-prefill', 'kv-transfer-config', 'limit-mm-per-prompt', 'load-format', 'logits-processor-pattern',
  'logits-processors', 'logprobs-mode', 'long-prefill-token-threshold', 'lora-dtype', 'lora-extra-vocab-size',
  'mamba-block-size', 'mamba-cache-dtype', 'mamba-ssm-cache-dtype', 'max-cpu-loras', 'max-cudagraph-capture-size',
  'max-logprobs', 'max-long-partial-prefills', 'max-lora-rank', 'max-loras', 'max-model-len',
  'max-num-batched-tokens', 'max-num-partial-prefills', 'max-num-seqs', 'max-parallel-loading-workers',
  'media-io-kwargs', 'mm-encoder-attn-backend', 'mm-encoder-tp-mode', 'mm-processor-cache-gb',
  'mm-processor-cache-type', 'mm-processor-kwargs', 'mm-shm-cache-max-object-size-mb', 'model', 'model-impl',
  'model-loader-extra-config', 'num-gpu-blocks-override', 'num-lookahead-slots', 'num-redundant-experts',
  'otlp-traces-endpoint', 'override-attention-dtype', 'override-generation-config', 'override-pooler-config',
  'pipeline-parallel-size', 'pooler-config', 'prefix-caching-hash-algo', 'pt-load-map-location', 'quantization',
  'ray-workers-use-nsight', 'reasoning-parser', 'revision', 'rope-scaling', 'rope-theta', 'runner',
  'safetensors-load-strategy', 'scheduler-cls', 'scheduling-policy', 'seed', 'served-model-name',
  'show-hidden-metrics-for-version', 'skip-mm-profiling', 'skip-tokenizer-init', 'speculative-config',
  'structured-outputs-config', 'swap-space', 'task', 'tensor-parallel-size', 'tokenizer', 'tokenizer-mode',
  'tokenizer-revision', 'trust-remote-code', 'use-tqdm-on-load', 'video-pruning-rate', 'worker-cls',
  'worker-extension-cls',
];

/** Why an engine argument reaches outside the image and the staged weights. */
type OutsideReach = 'runs code from the model repository' | 'fetches from elsewhere' | 'sends data out' | 'loads Python code by name' | 'reads local files';

/**
 * Engine arguments that make the workers fetch code or data from somewhere other than the staged
 * weights, send data out, or import Python code named by a string. A catalog entry comes from a pull
 * request, so none of them is taken from engineArgs unless the entry names it in serving.allowEngineArgs
 * (trust-remote-code has its own field, serving.trustRemoteCode); the PR plan lists every one allowed.
 */
export const OUTSIDE_ENGINE_ARGS: Readonly<Record<string, OutsideReach>> = {
  'trust-remote-code': 'runs code from the model repository',
  'tokenizer': 'fetches from elsewhere',
  'revision': 'fetches from elsewhere',
  'code-revision': 'fetches from elsewhere',
  'tokenizer-revision': 'fetches from elsewhere',
  'hf-config-path': 'fetches from elsewhere',
  'hf-overrides': 'fetches from elsewhere',
  'download-dir': 'fetches from elsewhere',
  'generation-config': 'fetches from elsewhere',
  'speculative-config': 'fetches from elsewhere',
  'default-mm-loras': 'fetches from elsewhere',
  'model-loader-extra-config': 'fetches from elsewhere',
  'otlp-traces-endpoint': 'sends data out',
  'collect-detailed-traces': 'sends data out',
  'kv-transfer-config': 'sends data out',
  'kv-events-config': 'sends data out',
  'allowed-local-media-path': 'reads local files',
  'distributed-executor-backend': 'loads Python code by name',
  'worker-cls': 'loads Python code by name',
  'worker-extension-cls': 'loads Python code by name',
  'scheduler-cls': 'loads Python code by name',
  'logits-processors': 'loads Python code by name',
  'logits-processor-pattern': 'loads Python code by name',
  'io-processor-plugin': 'loads Python code by name',
  'compilation-config': 'loads Python code by name',
};

/** Never in a catalog entry, allowed or not: a token committed to git. The deploy passes HF_TOKEN from a secret. */
export const SECRET_ENGINE_ARGS: readonly string[] = ['hf-token'];
