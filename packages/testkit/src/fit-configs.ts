/** The fields of real config.json / params.json files that memory depends on, written out by hand. */

/** meta-llama/Meta-Llama-3-8B-Instruct config.json */
export const LLAMA_3_8B = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 14336,
  max_position_embeddings: 8192,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 8,
  rope_theta: 500000.0,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 128256,
};

/** meta-llama/Meta-Llama-3-70B-Instruct config.json */
export const LLAMA_3_70B = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 8192,
  intermediate_size: 28672,
  max_position_embeddings: 8192,
  num_attention_heads: 64,
  num_hidden_layers: 80,
  num_key_value_heads: 8,
  rope_theta: 500000.0,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 128256,
};

/** Qwen/Qwen2.5-7B-Instruct config.json */
export const QWEN_2_5_7B = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  hidden_size: 3584,
  intermediate_size: 18944,
  max_position_embeddings: 32768,
  num_attention_heads: 28,
  num_hidden_layers: 28,
  num_key_value_heads: 4,
  rope_theta: 1000000.0,
  sliding_window: 131072,
  use_sliding_window: false,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 152064,
};

/** mistralai/Mistral-7B-Instruct-v0.3 config.json (the Hugging Face layout) */
export const MISTRAL_7B = {
  architectures: ['MistralForCausalLM'],
  model_type: 'mistral',
  hidden_size: 4096,
  intermediate_size: 14336,
  max_position_embeddings: 32768,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 8,
  rope_theta: 1000000.0,
  sliding_window: null,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 32768,
};

/** params.json of the same model in Mistral's own layout (the CDN archive) */
export const MISTRAL_7B_PARAMS = {
  dim: 4096,
  n_layers: 32,
  head_dim: 128,
  hidden_dim: 14336,
  n_heads: 32,
  n_kv_heads: 8,
  norm_eps: 1e-5,
  vocab_size: 32768,
  rope_theta: 1000000.0,
};

/** A Llama 3.1 70B FP8 checkpoint (e.g. neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8) */
export const LLAMA_3_1_70B_FP8 = {
  ...LLAMA_3_70B,
  max_position_embeddings: 131072,
  rope_scaling: { rope_type: 'llama3', factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 },
  quantization_config: { quant_method: 'fp8', activation_scheme: 'static' },
};
