import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe, expect } from 'vitest';
import { checkCatalog } from '../packages/core/src/index.js';
import { validEntry } from '../packages/core/test/catalog/fixtures.js';

/** A "billion laughs" document: ten levels of ten aliases each, 10,000 alias nodes in all. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let level = 1; level <= 1000; level++) {
    const previous = `*a${level - 1}`;
    lines.push(`a${level}: &a${level} [${Array(10).fill(previous).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

const bombDir = mkdtempSync(join(tmpdir(), 'bench-bomb-'));
writeFileSync(join(bombDir, 'bomb.yaml'), aliasBomb());

const catalogDir = mkdtempSync(join(tmpdir(), 'bench-catalog-'));
for (let i = 0; i < 1000; i++) writeFileSync(join(catalogDir, `model-${i}.yaml`), validEntry(`model-${i}`));

describe('catalog check', () => {
  bench('rejects a 10,000-alias YAML bomb', async () => {
    const result = await checkCatalog(bombDir);
    expect(result.diagnostics[0]?.code).toBe('catalog/yaml-anchor');
  });

  bench('checks a catalog of 1,000 entries', async () => {
    const result = await checkCatalog(catalogDir);
    expect(result.entries).toHaveLength(1000);
  });
});
