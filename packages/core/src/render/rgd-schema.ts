import { LLM_SERVICE } from './api.js';
import { stagingSchemaFields } from './staging-job.js';
import { GPU_TYPES } from '../catalog/gpu-types.js';
import { MAX_TENSOR_PARALLEL } from '../catalog/semantic-checks.js';
import { WEIGHT_FORMATS } from '../staged/weight-format.js';

/**
 * S3 URIs the RayService can carry unquoted in its YAML serve config: a bucket name, then the
 * characters AWS calls safe in keys (letters, digits, `! - _ . * ' ( )`) and `/`. Only S3: the serve
 * application (serve/config.schema.json) never reads weights from the Hugging Face Hub at run time.
 */
export const MODEL_SOURCE_PATTERN = "^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9!_.*'()/=+-]*)?$";
const MANIFEST_PATTERN = "^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9!_.*'()/=+-]*[.]json)?$";
const NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

function powersOfTwo(limit: number): number[] {
  const values: number[] = [];
  for (let value = 1; value <= limit; value *= 2) values.push(value);
  return values;
}

/**
 * The instance API in kro's SimpleSchema. Small on purpose: what a platform team decides per model.
 * Everything cluster-wide (image, Ray version, probes, security) is fixed in the RGD's templates.
 */
export function llmServiceSimpleSchema(): { apiVersion: string; kind: string; group: string; spec: Record<string, unknown> } {
  const q = (text: string) => JSON.stringify(text);
  return {
    apiVersion: LLM_SERVICE.version,
    kind: LLM_SERVICE.kind,
    group: LLM_SERVICE.group,
    spec: {
      name: `string | required=true immutable=true maxLength=47 pattern=${q(NAME_PATTERN)} description=${q(
        'Model name: the RayService name and the served model id. A DNS-1035 label of at most 47 characters (KubeRay limit).',
      )}`,
      model: {
        source: `string | default="" pattern=${q(MODEL_SOURCE_PATTERN)} description=${q(
          'Where the weights are: the staged s3://bucket/prefix/, read with the Run:ai streamer or from a Mountpoint volume. Empty while the model is not staged: no RayService is created.',
        )}`,
        commit: `string | default="" description=${q('The source commit (or content hash) that was staged; recorded on the RayService.')}`,
        manifest: `string | default="" pattern=${q(MANIFEST_PATTERN)} description=${q(
          'The s3:// URI of the staging completion manifest; the workers check it is readable before vLLM starts.',
        )}`,
        format: `string | default="huggingface" enum=${q(WEIGHT_FORMATS.join(','))} description=${q(
          'huggingface: config.json + *.safetensors. mistral: params.json + consolidated.safetensors, loaded with the mistral tokenizer and config formats.',
        )}`,
      },
      maxModelLen: `integer | required=true minimum=256 maximum=1048576 description=${q("vLLM's max_model_len: the longest prompt plus completion, in tokens.")}`,
      gpuType: `string | required=true enum=${q(GPU_TYPES.map((gpu) => gpu.name).join(','))} description=${q('GPU type of the worker nodes.')}`,
      gpuCount: `integer | default=1 enum=${q(powersOfTwo(MAX_TENSOR_PARALLEL).join(','))} description=${q('GPUs per replica: the tensor-parallel size, on one node.')}`,
      nodeSelector: `map[string]string | default={} description=${q('Node labels that select nodes with this GPU type.')}`,
      minReplicas: `integer | default=1 minimum=0 maximum=64 description=${q('Fewest Ray Serve replicas (one GPU worker each). The catalog check refuses 0 while the pinned Ray cannot scale Ray Serve LLM to zero.')}`,
      maxReplicas: `integer | default=1 minimum=1 maximum=64 description=${q('Most Ray Serve replicas.')}`,
      storage: `string | default="stream" enum="stream,mount" description=${q(
        'stream: vLLM streams the weights from S3 with the Run:ai model streamer. mount: the workers read them from a read-only Mountpoint-for-S3 volume.',
      )}`,
      upgrade: `string | default="new-cluster" enum="new-cluster,incremental,none" description=${q(
        'How KubeRay rolls out a change: new-cluster (NewCluster: a second cluster, then a switch), incremental (NewClusterWithIncrementalUpgrade through a Gateway), none (None).',
      )}`,
      engineArgs: `string | default="{}" pattern=${q('^[{].*[}]$')} description=${q(
        'Extra vLLM engine arguments as a JSON object with snake_case keys, e.g. {"enable_prefix_caching":true}. tensor_parallel_size, max_model_len and load_format come from the fields above.',
      )}`,
      region: `string | default="us-west-2" description=${q('AWS region of the model bucket.')}`,
      staging: stagingSchemaFields(),
      worker: {
        cpu: `string | default="3" description=${q('CPU each GPU worker requests.')}`,
        memory: `string | default="12Gi" description=${q('Memory each GPU worker requests and is limited to.')}`,
      },
    },
  };
}
