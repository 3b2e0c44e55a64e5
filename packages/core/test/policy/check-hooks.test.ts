import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirSync } from '@ray-gitops/testkit/temp';
import { describe, expect, test } from 'vitest';
import { fileDisabledRules, ruleDisabled, type ResourceCheck } from '../../src/validate/index.js';
import { run } from '../validate/helpers.js';

const CONFIG_MAPS = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n';

function write(text: string): string {
  const file = join(tempDirSync('hooks-'), 'cm.yaml');
  writeFileSync(file, text);
  return file;
}

/** Flags every resource, and after the run reports how many it saw: a whole-file-set check. */
function countingCheck(): ResourceCheck {
  let seen = 0;
  return {
    id: 'count',
    check: (resource) => {
      seen += 1;
      return [{ severity: 'error', location: resource.locator.locate(['metadata', 'name']), message: 'flagged', code: 'count/flag' }];
    },
    forRun: () => countingCheck(),
    finish: () => [{
      resource: { file: 'run', documentIndex: 0, location: { file: 'run', line: 1, column: 1 } },
      status: 'invalid',
      diagnostics: [{ severity: 'error', location: { file: 'run', line: 1, column: 1 }, message: `saw ${seen}`, code: 'count/total' }],
    }],
  };
}

describe('check hooks of the pipeline', () => {
  test('a whole-file-set check gets a fresh instance per run and reports from finish', async () => {
    const check = countingCheck();
    const file = write(CONFIG_MAPS);
    for (let i = 0; i < 2; i += 1) {
      const { results } = await run([file], { checks: [check] });
      expect(results.at(-1)!.diagnostics[0]!.message).toBe('saw 2');
    }
  });

  test('disabled rules: global list, # ray-gitops:disable comments and the annotation', async () => {
    const file = write(CONFIG_MAPS);
    const flagged = (r: Awaited<ReturnType<typeof run>>) => r.results.flatMap((x) => x.diagnostics).filter((d) => d.code === 'count/flag').length;
    expect(flagged(await run([file], { checks: [countingCheck()] }))).toBe(2);
    expect(flagged(await run([file], { checks: [countingCheck()], disabledRules: ['count'] }))).toBe(0);
    expect(flagged(await run([write(`# ray-gitops:disable count/flag\n${CONFIG_MAPS}`)], { checks: [countingCheck()] }))).toBe(0);
    const annotated = CONFIG_MAPS.replace('  name: a\n', '  name: a\n  annotations:\n    ray-gitops.io/disable-rules: "flag"\n');
    expect(flagged(await run([write(annotated)], { checks: [countingCheck()] }))).toBe(1);
  });

  test('rule id matching: exact, prefix and short name; directives anywhere in the file', () => {
    expect(ruleDisabled('policy/image-digest', ['policy'])).toBe(true);
    expect(ruleDisabled('policy/image-digest', ['image-digest'])).toBe(true);
    expect(ruleDisabled('policy/image-digest', ['policy/image'])).toBe(false);
    expect(fileDisabledRules('a: 1\n  # ray-gitops:disable policy/host-path, kro/cycle\n#ray-gitops:disable=argocd\n')).toEqual(['policy/host-path', 'kro/cycle', 'argocd']);
    expect(fileDisabledRules('x: "# ray-gitops:disable policy"\n')).toEqual([]);
  });
});
