import type { CommandDefinition } from '../command.js';
import { notBuiltYet } from './not-built.js';

export const prestageCommand: CommandDefinition = {
  path: ['prestage'],
  summary: 'Stage model weights into S3 from Hugging Face, a .tar URL or a local directory: streamed, verified, resumable.',
  synopsis:
    '(--hf REPO[@REV] | --url URL [--sha256 HEX] | --dir PATH) --dest s3://BUCKET/PREFIX [--include GLOB]… [--exclude GLOB]… [--concurrency N] [--json]',
  options: {
    hf: { type: 'string', value: 'REPO[@REV]', description: 'Hugging Face model repository, optionally at a branch, tag or commit' },
    url: { type: 'string', value: 'URL', description: '.tar archive to stream-extract into S3' },
    sha256: { type: 'string', value: 'HEX', description: 'expected sha256 of the --url archive' },
    dir: { type: 'string', value: 'PATH', description: 'local directory of weights' },
    dest: { type: 'string', value: 's3://BUCKET/PREFIX', description: 'where to stage' },
    include: { type: 'string', multiple: true, value: 'GLOB', description: 'stage only matching files' },
    exclude: { type: 'string', multiple: true, value: 'GLOB', description: 'skip matching files' },
    concurrency: { type: 'string', value: 'N', description: 'files and parts in flight' },
    json: { type: 'boolean', description: 'print the staged model as JSON on stdout' },
  },
  run: notBuiltYet('prestage'),
};
