import { describe, expect, test } from 'vitest';
import { createStderrReporter, isInteractive } from '../src/stderr-reporter.js';

function capture() {
  let stderr = '';
  const reporter = createStderrReporter({ stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } });
  return { reporter, output: () => stderr };
}

describe('stderr reporter', () => {
  test('never prints a registered secret, wherever it appears', async () => {
    const { reporter, output } = capture();
    reporter.secret('hf_SeCrEtToKeN');
    reporter.info('GET https://huggingface.co/api/models?token=hf_SeCrEtToKeN');
    reporter.error('401 for hf_SeCrEtToKeN', { file: 'a.yaml', line: 2, column: 3 });
    await reporter.group('staging hf_SeCrEtToKeN', async () => undefined);
    expect(output()).not.toContain('hf_SeCrEtToKeN');
    expect(output()).toBe(
      'GET https://huggingface.co/api/models?token=***\na.yaml:2:3: 401 for ***\n== staging ***\n',
    );
  });

  test('prints located warnings in FILE:LINE:COL form and unlocated ones with their severity', () => {
    const { reporter, output } = capture();
    reporter.warning('shadowed', { file: 'gitops/models/x.yaml', line: 4, column: 1 });
    reporter.warning('no catalog entries');
    expect(output()).toBe('gitops/models/x.yaml:4:1: warning: shadowed\nwarning: no catalog entries\n');
  });

  test('on a terminal, progress is one bar redrawn in place and cleared before the next line', () => {
    let stderr = '';
    const streams = { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text), isTTY: true } };
    const reporter = createStderrReporter(streams, true);
    reporter.progress!('10.0% 1/10 MiB', 0.1);
    reporter.progress!('50.0% 5/10 MiB', 0.5);
    reporter.info('staged');
    expect(stderr).toBe(
      '\r\x1b[K[##----------------------] 10.0% 1/10 MiB' + '\r\x1b[K[############------------] 50.0% 5/10 MiB' + '\r\x1b[Kstaged\n',
    );
  });

  test('in CI or into a file, every progress report is a line of its own', () => {
    const { reporter, output } = capture();
    reporter.progress!('10.0% 1/10 MiB', 0.1);
    reporter.progress!('50.0% 5/10 MiB', 0.5);
    expect(output()).toBe('10.0% 1/10 MiB\n50.0% 5/10 MiB\n');
    const tty = { stdout: { write: () => true }, stderr: { write: () => true, isTTY: true } };
    expect(isInteractive(tty, {})).toBe(true);
    expect(isInteractive(tty, { CI: 'true' })).toBe(false);
    expect(isInteractive({ ...tty, stderr: { write: () => true } }, {})).toBe(false);
  });
});
