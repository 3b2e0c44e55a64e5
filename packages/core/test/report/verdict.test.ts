import { describe, expect, test } from 'vitest';
import { decideVerdict, verdictLine } from '../../src/report/verdict.js';

describe('the one verdict', () => {
  test('a blocker wins over warnings, and the mark follows the level', () => {
    const blocked = decideVerdict({ blockers: ['1 catalog error(s)'], warnings: ['build-image will refuse to build'], ready: 'Ready to merge', blocked: 'Not ready' });
    expect(blocked).toMatchObject({ level: 'blocked', ok: false });
    expect(verdictLine(blocked)).toBe('❌ Not ready: 1 catalog error(s); also build-image will refuse to build');

    const warned = decideVerdict({ blockers: [], warnings: ['2 model(s) not staged yet'], ready: 'up to date' });
    expect(warned).toMatchObject({ level: 'warnings', ok: true });
    expect(verdictLine(warned)).toBe('⚠️ up to date, with warnings: 2 model(s) not staged yet');

    const ready = decideVerdict({ blockers: [], warnings: [], ready: 'passed' });
    expect(verdictLine(ready)).toBe('✅ passed');
  });
});
