import type { CommandDefinition } from '../command.js';
import { notBuiltYet } from './not-built.js';

export const renderCommand: CommandDefinition = {
  path: ['render'],
  summary: 'Render the Kro RGD, one instance per model and the Argo CD apps into gitops/.',
  synopsis: '[--catalog DIR] [--out DIR] [--image REF] [--check]',
  options: {
    catalog: { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory' },
    out: { type: 'string', value: 'DIR', default: 'gitops', description: 'output directory' },
    image: { type: 'string', value: 'REF', description: 'Ray+vLLM image as repo@sha256:… (never :latest)' },
    check: { type: 'boolean', description: 'write nothing; exit 1 and list the files that would change' },
  },
  run: notBuiltYet('render'),
};
