import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE, VERSIONS_FILE, workspace } from '@ray-gitops/testkit/render-helpers';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { InputFileError, UsageError } from '../../src/errors/index.js';
import { renderCatalog, renderSummaryMarkdown } from '../../src/render/index.js';

const COMMIT = '3f'.repeat(20);
const STAGER = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager@sha256:${'cd'.repeat(32)}`;
const NEXT_STAGER = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager@sha256:${'ef'.repeat(32)}`;
const STAGED = [
  {
    model: 'deepseek-r1',
    uri: `s3://models-bucket/models/deepseek-ai/DeepSeek-R1/${COMMIT}/`,
    commit: COMMIT,
    manifestUri: `s3://models-bucket/models/.manifests/deepseek-ai/DeepSeek-R1/${COMMIT}.json`,
    source: 'huggingface:deepseek-ai/DeepSeek-R1@main',
  },
];
const STAGING_SETTINGS = 'staging:\n  clusterName: llm-cluster\n  writerRoleArn: arn:aws:iam::123456789012:role/model-writer\n';

/** A workspace whose catalog has one model staged in the cluster by 4 pods, and the writer settings. */
async function inClusterWorkspace(settingsExtra = '') {
  const ws = await workspace();
  await writeFile(
    join(ws.catalog, 'deepseek-r1.yaml'),
    'name: deepseek-r1\nsource:\n  huggingface:\n    repo: deepseek-ai/DeepSeek-R1\n    revision: main\n' +
      'serving:\n  maxModelLen: 8192\n  gpu: { type: H100, count: 8 }\nstaging:\n  where: cluster\n  shards: 4\n',
  );
  await writeFile(join(ws.out, 'render-settings.yaml'), `repoURL: https://github.com/example-org/ray-gitops.git\n${STAGING_SETTINGS}${settingsExtra}`);
  return ws;
}

const render = (ws: { out: string; catalog: string }, options: { stagerImage?: string; check?: boolean } = {}) =>
  renderCatalog({ catalogDir: ws.catalog, outDir: ws.out, versionsFile: VERSIONS_FILE, image: IMAGE, staged: STAGED, ...options });

async function renderedStagerImages(out: string): Promise<{ instance: unknown; rgd: unknown }> {
  const instance = parse(await readFile(join(out, 'workloads/deepseek-r1/instance.yaml'), 'utf8')) as { spec: { staging: { image?: string } } };
  const rgd = parse(await readFile(join(out, 'platform/llm-service.rgd.yaml'), 'utf8')) as { metadata: { annotations: Record<string, string> } };
  return { instance: instance.spec.staging.image, rgd: rgd.metadata.annotations['ray-gitops.io/stager-image'] };
}

describe('the stager image of in-cluster staging', () => {
  test('render --stager-image puts it in the instance and records it on the RGD; a later render without it keeps it', async () => {
    const ws = await inClusterWorkspace();
    const first = await render(ws, { stagerImage: STAGER });
    expect(first.stagerImageOrigin).toBe('argument');
    expect(await renderedStagerImages(ws.out)).toEqual({ instance: STAGER, rgd: STAGER });

    const again = await render(ws, { check: true });
    expect(again.plan!.changes).toEqual([]);
    expect(again.stagerImage?.ref).toBe(STAGER);
    expect(again.stagerImageOrigin).toBe('previous-render');
    expect(renderSummaryMarkdown(again, { outDir: ws.out, check: true })).toContain(`Stager image: \`${STAGER}\` (kept from the previous render).`);

    const next = await render(ws, { stagerImage: NEXT_STAGER });
    expect(next.plan!.changes.map((change) => change.path).sort()).toEqual(['platform/llm-service.rgd.yaml', 'workloads/deepseek-r1/instance.yaml']);
    expect(await renderedStagerImages(ws.out)).toEqual({ instance: NEXT_STAGER, rgd: NEXT_STAGER });
  });

  test('a tag-only stager image is refused, as an argument and in the settings, and nothing is written', async () => {
    const ws = await inClusterWorkspace();
    await expect(render(ws, { stagerImage: 'ray-gitops-stager:1.0' })).rejects.toThrow(
      new UsageError(
        "stager image 'ray-gitops-stager:1.0' is not pinned by digest; pass the build-image output as repository@sha256:<64 hex digits> " +
          '(for example 123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:…)',
      ),
    );
    const tagged = await inClusterWorkspace('  image: 123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager:latest\n');
    const settingsFile = join(tagged.out, 'render-settings.yaml');
    const refused = render(tagged, { stagerImage: STAGER });
    await expect(refused).rejects.toThrow(InputFileError);
    await expect(refused).rejects.toThrow(
      `${settingsFile}: 'staging.image' "123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-gitops-stager:latest" is not pinned by digest; ` +
        'give the stager image as REPOSITORY@sha256:<64 hex digits> (the build-image output for docker/stager), or leave it out and pass render --stager-image',
    );
    await expect(readFile(join(tagged.out, 'platform/llm-service.rgd.yaml'))).rejects.toThrow(/ENOENT/);
  });

  test('a pinned staging.image in the settings is used until the build passes --stager-image', async () => {
    const ws = await inClusterWorkspace(`  image: ${STAGER}\n`);
    const fromSettings = await render(ws);
    expect(fromSettings.stagerImageOrigin).toBe('settings');
    expect(await renderedStagerImages(ws.out)).toEqual({ instance: STAGER, rgd: STAGER });
    await render(ws, { stagerImage: NEXT_STAGER });
    expect(await renderedStagerImages(ws.out)).toEqual({ instance: NEXT_STAGER, rgd: NEXT_STAGER });
  });

  test('with no stager image anywhere, a model staged in the cluster says how to give one', async () => {
    const ws = await inClusterWorkspace();
    await expect(render(ws)).rejects.toThrow(
      'deepseek-r1 stages in the cluster, but no stager image is known: pass render --stager-image REPOSITORY@sha256:<digest> ' +
        '(the build-image output for docker/stager) or set staging.image in render-settings.yaml',
    );
  });

  test('a catalog without in-cluster models renders no stager image, and keeps one the build passed', async () => {
    const ws = await workspace();
    const plain = await renderCatalog({ catalogDir: ws.catalog, outDir: ws.out, versionsFile: VERSIONS_FILE, image: IMAGE });
    expect(plain.stagerImage).toBeUndefined();
    const rgd = await readFile(join(ws.out, 'platform/llm-service.rgd.yaml'), 'utf8');
    expect(rgd).not.toContain('stager-image');
    await renderCatalog({ catalogDir: ws.catalog, outDir: ws.out, versionsFile: VERSIONS_FILE, stagerImage: STAGER });
    const kept = await renderCatalog({ catalogDir: ws.catalog, outDir: ws.out, versionsFile: VERSIONS_FILE, check: true });
    expect(kept.stagerImage?.ref).toBe(STAGER);
    expect(kept.plan!.changes).toEqual([]);
  });
});
