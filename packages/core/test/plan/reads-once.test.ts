import { copyRepository, planOptions } from '@ray-gitops/testkit/plan-workspace';
import { expect, test } from 'vitest';
import { checkCatalog, listCatalogFiles } from '../../src/catalog/check-catalog.js';
import { loadModelEntry } from '../../src/catalog/load-model-entry.js';
import { buildPlan } from '../../src/plan/index.js';
import { readPreviousRender } from '../../src/render/previous.js';
import { renderCatalog } from '../../src/render/render.js';

/** loadModelEntry, counting how often each catalog file is read and checked. */
function countingLoader(): { loadEntry: typeof loadModelEntry; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const loadEntry: typeof loadModelEntry = (file, options) => {
    reads.set(file, (reads.get(file) ?? 0) + 1);
    return loadModelEntry(file, options);
  };
  return { loadEntry, reads };
}

test('a render check and a plan from one checked catalog read each catalog file once', async () => {
  const root = await copyRepository();
  const options = planOptions(root, { offline: true });
  const { loadEntry, reads } = countingLoader();
  const catalog = await checkCatalog(options.catalogDir!, { loadEntry });
  const previous = await readPreviousRender(options.outDir!);

  const render = await renderCatalog({ catalogDir: options.catalogDir!, outDir: options.outDir!, check: true, catalog, previous, loadEntry });
  const plan = await buildPlan({ ...options, catalog, previous, loadEntry });

  expect(render.ok).toBe(true);
  expect(plan.files).toMatchObject({ status: 'planned', changes: [] });
  expect(plan.catalog.models).toHaveLength(catalog.entries.length);
  const files = await listCatalogFiles(options.catalogDir!);
  expect(files.length).toBeGreaterThan(0);
  expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(files.map((file) => [file, 1])));
});

test('a plan given no checked catalog checks it once, its rendered-files part included', async () => {
  const root = await copyRepository();
  const { loadEntry, reads } = countingLoader();
  const plan = await buildPlan(planOptions(root, { offline: true, loadEntry }));

  expect(plan.files).toMatchObject({ status: 'planned', changes: [] });
  const files = await listCatalogFiles(planOptions(root).catalogDir!);
  expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(files.map((file) => [file, 1])));
});
