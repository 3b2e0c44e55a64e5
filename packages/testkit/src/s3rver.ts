import { rm } from 'node:fs/promises';
import S3rver from 's3rver';
import { tempDir } from './temp.js';

export interface EmbeddedS3 {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** s3rver, the embedded bucket of `npm start`, in this process: a temp directory, a free port, one bucket. */
export async function startS3rver(bucket: string): Promise<EmbeddedS3> {
  const directory = await tempDir('s3rver-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
