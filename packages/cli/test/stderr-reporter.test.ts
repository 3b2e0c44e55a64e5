import { describe, expect, test } from 'vitest';
import { createStderrReporter } from '../src/stderr-reporter.js';

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
});
