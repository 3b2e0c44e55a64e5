import type { CommandDefinition } from '../command.js';
import { notBuiltYet } from './not-built.js';

export const validateCommand: CommandDefinition = {
  path: ['validate'],
  summary: 'Validate manifests against real schemas (Kubernetes, KubeRay, kro, Argo CD) and GPU-workload policy.',
  synopsis: '[PATH…] [--crds DIR]… [--schema-location TEMPLATE]… [--strict] [--no-policy] [--ignore-missing-schemas] [--format FORMAT]',
  positionals: 'PATH',
  options: {
    'crds': { type: 'string', multiple: true, value: 'DIR', description: 'CRD YAML file or directory to take schemas from' },
    'schema-location': { type: 'string', multiple: true, value: 'TEMPLATE', description: 'kubeconform-style schema location' },
    'strict': { type: 'boolean', description: 'reject unknown fields and duplicate keys' },
    'no-policy': { type: 'boolean', description: 'skip the GPU-workload policy rules' },
    'ignore-missing-schemas': { type: 'boolean', description: 'skip resources whose kind has no schema instead of failing' },
    'format': { type: 'string', value: 'FORMAT', default: 'text', description: 'text | json | junit | sarif | github' },
  },
  run: notBuiltYet('validate'),
};
