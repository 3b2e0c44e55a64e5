import { formatDiagnostic, type Reporter, type SourceLocation } from '@ray-gitops/core';
import type { CliStreams } from './command.js';

/** Plain-text reporter for terminals and non-GitHub CI: one line per event on stderr, secrets masked. */
export function createStderrReporter(streams: CliStreams): Reporter {
  const secrets: string[] = [];
  const mask = (text: string) => secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
  const write = (text: string) => streams.stderr.write(`${mask(text)}\n`);
  const located = (severity: 'error' | 'warning', message: string, location?: SourceLocation) =>
    location ? formatDiagnostic({ severity, message, location, code: '' }) : `${severity}: ${message}`;
  return {
    info: (message) => write(message),
    warning: (message, location) => write(located('warning', message, location)),
    error: (message, location) => write(located('error', message, location)),
    group: async (title, work) => {
      write(`== ${title}`);
      return work();
    },
    secret: (value) => {
      if (value.length > 0) secrets.push(value);
    },
  };
}
