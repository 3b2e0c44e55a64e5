import { describe, expect, test } from 'vitest';
import { createWorkflowReporter, guardWorkflowCommands, neutraliseWorkflowCommands, type WorkflowToolkit } from '../../src/report/index.js';

/**
 * The lines of a step's output the Actions runner would run as workflow commands: it splits output at
 * \n, \r\n and a lone \r, and a line is a command when it starts with `::` after leading whitespace
 * (actions/runner ActionCommand.TryParseV2) or holds `##[` (the old syntax, TryParse).
 */
function commandLines(output: string): string[] {
  return output.split(/\r\n|\r|\n/).filter((line) => line.trimStart().startsWith('::') || line.includes('##['));
}

const HOSTILE = [
  'model qwen',
  '::add-mask::visible',
  '   ::set-output name=image::attacker/image:latest',
  '::stop-commands::resume-token',
  '\t::error title=forged::all good',
].join('\n') + '\r::warning::after a lone carriage return\r\n##[error]old syntax';

describe('neutraliseWorkflowCommands', () => {
  test('no line of hostile text can start a workflow command', () => {
    expect(commandLines(HOSTILE)).toHaveLength(6);
    expect(commandLines(neutraliseWorkflowCommands(HOSTILE))).toEqual([]);
  });

  test('changes nothing in ordinary lines, and keeps hostile ones readable', () => {
    const plain = 'staged 3 file(s) to s3://models/acme/qwen/abc/ (1.2 GiB)\nimage repo@sha256:ab\n  indented: a::b';
    expect(neutraliseWorkflowCommands(plain)).toBe(plain);
    expect(neutraliseWorkflowCommands('::add-mask::x')).toBe('%3A:add-mask::x');
    expect(neutraliseWorkflowCommands('  ::error::x')).toBe('  %3A:error::x');
  });

  test('a stream guard catches a command split across writes', () => {
    let output = '';
    const sink = guardWorkflowCommands({ write: (text: string) => (output += text) });
    for (const piece of ['first line\n', '  ', ':', ':set-output name=a::b\n', 'x ##', '[error] no\n']) sink.write(piece);
    expect(commandLines(output).filter((line) => line.trimStart().startsWith('::'))).toEqual([]);
    expect(output).toContain('first line\n');
  });
});

describe('createWorkflowReporter', () => {
  test('info lines quoting untrusted text cannot start a workflow command', () => {
    const written: string[] = [];
    const toolkit: WorkflowToolkit = {
      info: (message) => written.push(message),
      warning: () => undefined,
      error: () => undefined,
      group: (_name, fn) => fn(),
      setSecret: () => undefined,
    };
    createWorkflowReporter(toolkit).info(`skipped entry ${HOSTILE}`);
    expect(written).toHaveLength(1);
    expect(commandLines(written[0]!)).toEqual([]);
    expect(written[0]).toContain('model qwen');
  });
});
