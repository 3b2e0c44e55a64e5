import { formatDiagnostic, type Reporter, type SourceLocation } from '@ray-gitops/core/report';
import type { CliStreams } from './command.js';

/** Width of the bar drawn for progress on a terminal, in characters. */
const BAR_WIDTH = 24;

/**
 * True when stderr is a person's terminal: progress is then redrawn in place. In CI (CI set) and
 * when stderr is a file or a pipe, every progress report stays a line of its own, for the log.
 */
export function isInteractive(streams: CliStreams, env: NodeJS.ProcessEnv = process.env): boolean {
  return streams.stderr.isTTY === true && !env.CI && env.TERM !== 'dumb';
}

/**
 * Plain-text reporter for terminals and non-GitHub CI: one line per event on stderr, secrets masked;
 * on a terminal, progress is one line redrawn in place, cleared before anything else is written.
 */
export function createStderrReporter(streams: CliStreams, interactive: boolean = isInteractive(streams)): Reporter {
  const secrets: string[] = [];
  const mask = (text: string) => secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) streams.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  const write = (text: string) => {
    clearProgress();
    streams.stderr.write(`${mask(text)}\n`);
  };
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
    progress: (message, fraction) => {
      if (!interactive) return write(message);
      streams.stderr.write(`\r\x1b[K${progressBar(fraction)} ${mask(message)}`);
      progressShown = true;
    },
  };
}

/** `[#########---------------]`: the fraction done, as a bar of BAR_WIDTH characters. */
export function progressBar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}
