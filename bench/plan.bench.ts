import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, bench, describe, expect } from 'vitest';
import { buildPlan } from '../packages/core/src/index.js';
import { validEntry } from '../packages/core/test/catalog/fixtures.js';
import { PlanHub, type HubModel } from '../packages/core/test/plan/hub.js';
import { QWEN_ON_HUB, REPO_ROOT } from '../packages/core/test/plan/workspace.js';

/**
 * `ray-gitops plan` of a 10,000-entry catalog, each entry its own Hub repository, against the loopback
 * Hub answering every request after 20 ms (a distant Hub): the lookups run 8 at once under one deadline,
 * so the plan takes minutes, not the hours one lookup after another would.
 */
const ENTRIES = 10_000;
const root = mkdtempSync(join(tmpdir(), 'bench-plan-'));
mkdirSync(join(root, 'gitops', 'models'), { recursive: true });
writeFileSync(join(root, 'gitops', 'render-settings.yaml'), 'repoURL: https://github.com/example-org/ray-gitops.git\n');
const models: Record<string, HubModel> = {};
for (let index = 0; index < ENTRIES; index += 1) {
  const name = `model-${index}`;
  writeFileSync(join(root, 'gitops', 'models', `${name}.yaml`), validEntry(name).replace('Qwen/Qwen2.5-7B-Instruct', `acme/${name}`));
  models[`acme/${name}`] = QWEN_ON_HUB;
}
const hub = new PlanHub(models);
hub.delayMs = 20;
beforeAll(() => hub.start());
afterAll(() => hub.stop());

describe('plan', () => {
  bench(
    `plans a ${ENTRIES}-entry catalog against a Hub that answers in 20 ms`,
    async () => {
      const started = Date.now();
      const plan = await buildPlan({
        catalogDir: join(root, 'gitops', 'models'),
        outDir: join(root, 'gitops'),
        contextDir: join(REPO_ROOT, 'docker'),
        namedContexts: { serve: join(REPO_ROOT, 'serve') },
        hub: { endpoint: hub.endpoint },
      });
      const checked = plan.catalog.models.filter((model) => model.fit.status !== 'not-checked').length;
      console.log(`plan of ${ENTRIES} entries: ${((Date.now() - started) / 1000).toFixed(1)} s, ${checked} fit(s) checked, ${hub.requests} Hub requests, at most ${hub.maxInFlight} at once`);
      expect(plan.catalog.models).toHaveLength(ENTRIES);
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
