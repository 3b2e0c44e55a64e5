import type { CommandDefinition } from '../command.js';
import { notBuiltYet } from './not-built.js';

export const fitCommand: CommandDefinition = {
  path: ['fit'],
  summary: 'Say whether a model, with its KV cache at a context length, fits on the GPUs asked for.',
  synopsis: '--model (REPO[@REV]|DIR) --gpu TYPE --count N --max-model-len N',
  options: {
    'model': { type: 'string', value: 'REPO[@REV]|DIR', description: 'Hugging Face repository or local directory holding config.json' },
    'gpu': { type: 'string', value: 'TYPE', description: 'GPU type, e.g. L4, L40S, H100' },
    'count': { type: 'string', value: 'N', description: 'GPUs per replica (tensor parallel size)' },
    'max-model-len': { type: 'string', value: 'N', description: 'context length to reserve KV cache for' },
  },
  run: notBuiltYet('fit'),
};
