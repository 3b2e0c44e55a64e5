import { findGpuType, fitModel, formatFitVerdict, GPU_TYPES, loadModelMetadata, UsageError } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const fitCommand: CommandDefinition = {
  path: ['fit'],
  summary: 'Say whether a model, with its KV cache at a context length, fits on the GPUs asked for.',
  synopsis: '--model (REPO[@REV]|DIR) --gpu TYPE --count N --max-model-len N [--gpu-memory-utilization F] [--kv-cache-dtype auto|fp8] [--json]',
  options: {
    'model': { type: 'string', value: 'REPO[@REV]|DIR', description: 'Hugging Face repository (HF_ENDPOINT, HF_TOKEN) or local directory holding config.json or params.json' },
    'gpu': { type: 'string', value: 'TYPE', description: `GPU type: ${GPU_TYPES.map((gpu) => gpu.name).join(', ')}` },
    'count': { type: 'string', value: 'N', default: '1', description: 'GPUs per replica (tensor parallel size)' },
    'max-model-len': { type: 'string', value: 'N', description: 'context length to reserve KV cache for' },
    'gpu-memory-utilization': { type: 'string', value: 'F', description: "fraction of GPU memory vLLM may use (vLLM's default 0.9)" },
    'kv-cache-dtype': { type: 'string', value: 'DTYPE', description: 'auto (the model dtype) or fp8' },
    'json': { type: 'boolean', description: 'print the numbers and the verdict as JSON on stdout' },
  },
  async run({ values, streams, reporter }) {
    const model = required(values.model, '--model');
    const gpuName = required(values.gpu, '--gpu');
    const gpu = findGpuType(gpuName);
    if (!gpu) throw new UsageError(`unknown GPU type '${gpuName}'; use one of ${GPU_TYPES.map((type) => type.name).join(', ')}`);
    const count = positiveInteger(values.count, '--count');
    const maxModelLen = positiveInteger(values['max-model-len'], '--max-model-len');
    const utilization = values['gpu-memory-utilization'] === undefined ? undefined : fraction(values['gpu-memory-utilization'], '--gpu-memory-utilization');
    const kvCacheDtype = typeof values['kv-cache-dtype'] === 'string' ? values['kv-cache-dtype'] : undefined;

    const token = process.env.HF_TOKEN;
    if (token) reporter.secret(token);
    const metadata = await loadModelMetadata(model);
    const verdict = fitModel(metadata.shape, {
      gpu,
      count,
      maxModelLen,
      ...(metadata.weightBytes !== undefined ? { weightBytes: metadata.weightBytes } : {}),
      ...(utilization !== undefined ? { gpuMemoryUtilization: utilization } : {}),
      ...(kvCacheDtype !== undefined ? { kvCacheDtype } : {}),
    });
    if (values.json === true) {
      streams.stdout.write(`${JSON.stringify({ model: metadata.label, shape: metadata.shape, ...verdict }, null, 2)}\n`);
    } else {
      for (const line of formatFitVerdict(metadata.label, metadata.shape, verdict)) streams.stdout.write(`${line}\n`);
    }
    return verdict.fits ? ExitCode.ok : ExitCode.problemsFound;
  },
};

function required(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

function positiveInteger(value: unknown, flag: string): number {
  const text = required(value, flag);
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a positive whole number, not '${text}'`);
  return Number(text);
}

function fraction(value: unknown, flag: string): number {
  const text = required(value, flag);
  const number = Number(text);
  if (!Number.isFinite(number) || number <= 0 || number > 1) throw new UsageError(`${flag} must be a number in (0, 1], not '${text}'`);
  return number;
}
