// Runs one staging in a child process, so a test can kill -9 it midway. Arguments come as JSON in STAGE_CHILD.
import { resolveHuggingFace, stageModel } from '@ray-gitops/core';

const args = JSON.parse(process.env.STAGE_CHILD!) as { repo: string; dest: string; partSize: number; concurrency: number };
const source = await resolveHuggingFace(args.repo, 'main');
await stageModel({ source, dest: args.dest, partSize: args.partSize, concurrency: args.concurrency, storageClass: '', progressIntervalMs: 0 });
process.stdout.write('done\n');
