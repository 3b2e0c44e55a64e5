import type { CommandDefinition } from '../command.js';
import { notBuiltYet } from './not-built.js';

export const buildImageCommand: CommandDefinition = {
  path: ['build-image'],
  summary: 'Build the Ray+vLLM image with CodeBuild into ECR, only when its content tag is missing.',
  synopsis: '[--context DIR] [--dry-run] [--ecr-repository NAME] [--codebuild-project NAME] [--source-bucket NAME]',
  options: {
    'context': { type: 'string', value: 'DIR', default: 'docker', description: 'build context' },
    'dry-run': { type: 'boolean', description: 'print the content tag and the StartBuild request without calling AWS' },
    'ecr-repository': { type: 'string', value: 'NAME', default: 'ray-vllm', description: 'ECR repository' },
    'codebuild-project': { type: 'string', value: 'NAME', description: 'CodeBuild project that builds and pushes the image' },
    'source-bucket': { type: 'string', value: 'NAME', description: 'S3 bucket for the zipped build context' },
  },
  run: notBuiltYet('build-image'),
};
