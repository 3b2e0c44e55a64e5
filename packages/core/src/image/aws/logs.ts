import { GetLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ClientConfig } from './client-config.js';
import type { BuildLogReader, LogPage } from '../services.js';
import { isNamed } from './names.js';

export function createCloudWatchBuildLogs(config: ClientConfig): CloudWatchBuildLogs {
  return new CloudWatchBuildLogs(new CloudWatchLogsClient(config));
}

export class CloudWatchBuildLogs implements BuildLogReader {
  constructor(private readonly client: CloudWatchLogsClient) {}

  async read(group: string, stream: string, nextToken: string | undefined): Promise<LogPage | undefined> {
    try {
      const out = await this.client.send(
        new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken }),
      );
      return {
        events: (out.events ?? []).map((e) => ({ timestamp: e.timestamp ?? 0, message: e.message ?? '' })),
        nextForwardToken: out.nextForwardToken,
      };
    } catch (error) {
      // CodeBuild creates the stream a little after the build starts
      if (isNamed(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  }
}
