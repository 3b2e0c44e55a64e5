import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../packages/cli/src/commands/index';
import { GENERATED_END, generatedFiles, readActions, renderActionReadme } from '../scripts/reference';

const ROOT = resolve(__dirname, '..');
const generated = generatedFiles(ROOT);

describe('the generated reference', () => {
  it.each([...generated.keys()])('%s is what `npx projen docs` writes from the option tables and action.yml', (file) => {
    // a failure here means an option, input or description changed without `npx projen docs`
    expect(readFileSync(join(ROOT, file), 'utf8')).toBe(generated.get(file));
  });

  it('names every CLI option and every action input', () => {
    const reference = generated.get('docs/reference.md')!;
    for (const command of COMMANDS) {
      expect(reference).toContain(`### ray-gitops ${command.path.join(' ')}`);
      for (const flag of Object.keys(command.options)) expect(reference, `${command.path.join(' ')} --${flag}`).toContain(`\`--${flag}`);
    }
    for (const { dir, metadata } of readActions(ROOT)) {
      for (const input of Object.keys(metadata.inputs ?? {})) expect(reference, `${dir} ${input}`).toContain(`| \`${input}\` |`);
    }
  });

  it('opens each action README with a uses:/with: block and keeps what is written below the marker', () => {
    const [action] = readActions(ROOT);
    const readme = renderActionReadme(action!, `old head\n${GENERATED_END}\n\nhand-written notes\n`);
    expect(readme.split('\n').slice(0, 5).join('\n')).toMatch(new RegExp(`^# ${action!.dir} action\\n\\n\`\`\`yaml\\n- uses: .*/packages/${action!.dir}@<commit-sha>\\n  with:`));
    expect(readme).toContain('| input | required | default | description |');
    expect(readme.endsWith(`${GENERATED_END}\n\nhand-written notes\n`)).toBe(true);
    expect(readme).not.toContain('old head');
  });
});
