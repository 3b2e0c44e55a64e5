import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { PlanHub, type HubModel } from './hub.js';
import { planOptions, QWEN_ON_HUB, REPO_ROOT } from './workspace.js';
import { buildPlan, DEFAULT_HUB_CONCURRENCY } from '../../src/plan/index.js';
import { validEntry } from '../catalog/fixtures.js';

let hub: PlanHub | undefined;
let root: string | undefined;
afterEach(async () => {
  await hub?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  hub = undefined;
  root = undefined;
});

/** A repository laid out as this one, whose catalog holds `count` entries, each of its own Hub repository (acme/model-N). */
async function catalogOf(count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'plan-hub-bounds-'));
  await mkdir(join(dir, 'gitops', 'models'), { recursive: true });
  await writeFile(join(dir, 'gitops', 'render-settings.yaml'), 'repoURL: https://github.com/example-org/ray-gitops.git\n');
  for (let index = 0; index < count; index += 1) {
    const name = `model-${index}`;
    await writeFile(join(dir, 'gitops', 'models', `${name}.yaml`), validEntry(name).replace('Qwen/Qwen2.5-7B-Instruct', `acme/${name}`));
  }
  return dir;
}

const models = (count: number): Record<string, HubModel> =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`acme/model-${index}`, QWEN_ON_HUB]));

const options = (dir: string, extra: Parameters<typeof planOptions>[1] = {}) =>
  planOptions(dir, { contextDir: join(REPO_ROOT, 'docker'), namedContexts: { serve: join(REPO_ROOT, 'serve') }, ...extra });

describe('the plan\'s Hub lookups', () => {
  test('run several at once but never more than the bound, and every model is checked', async () => {
    const count = 60;
    root = await catalogOf(count);
    hub = new PlanHub(models(count));
    hub.delayMs = 20;
    await hub.start();
    const plan = await buildPlan(options(root, { hub: { endpoint: hub.endpoint } }));
    expect(plan.catalog.models.filter((model) => model.fit.status === 'fits')).toHaveLength(count);
    expect(plan.staging.filter((item) => item.size.status === 'known')).toHaveLength(count);
    expect(hub.maxInFlight).toBeGreaterThan(1);
    expect(hub.maxInFlight).toBeLessThanOrEqual(DEFAULT_HUB_CONCURRENCY);
  }, 60_000);

  test('a Hub that never answers ends the plan at its overall timeout, with every model "not checked" and why', async () => {
    const count = 30;
    root = await catalogOf(count);
    hub = new PlanHub(models(count));
    hub.stall = true;
    await hub.start();
    const plan = await buildPlan(options(root, { hub: { endpoint: hub.endpoint }, hubTimeoutMs: 1_500 }));
    expect(plan.verdict.ok).toBe(true);
    expect(plan.catalog.models.map((model) => model.fit.status)).toEqual(Array(count).fill('not-checked'));
    expect(plan.staging.map((item) => item.size.status)).toEqual(Array(count).fill('unknown'));
    const reasons = new Set(plan.catalog.models.map((model) => (model.fit.status === 'not-checked' ? model.fit.reason : '')));
    expect([...reasons].some((reason) => reason.includes("the plan's Hub lookups ran past their 2 s budget"))).toBe(true);
    expect(hub.maxInFlight).toBeLessThanOrEqual(DEFAULT_HUB_CONCURRENCY * 2);
  }, 20_000);
});
