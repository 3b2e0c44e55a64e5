import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ANNOTATIONS, LLM_SERVICE } from './api.js';
import { TREE } from './argocd.js';
import type { PreviousPlacement } from './staged.js';
import { RGD_PATH } from './tree.js';
import { GENERATED_MARKER } from './yaml-out.js';
import { WEIGHT_FORMATS, type WeightFormat } from '../staged/weight-format.js';

/**
 * What the committed tree already records and a re-render keeps unless told otherwise: the image the
 * RGD runs (until a new --image), the stager image (until a new --stager-image) and each model's staged location (until a new staging record or a
 * change of source). This is what lets `render --check` run in a pull request without AWS access.
 */
export interface PreviousRender {
  readonly image?: string;
  /** the stager image of in-cluster staging (until a new --stager-image) */
  readonly stagerImage?: string;
  readonly placements: Map<string, PreviousPlacement>;
}

/** Reads the previous render from the output directory; missing or hand-edited files are simply not used. */
export async function readPreviousRender(outDir: string): Promise<PreviousRender> {
  const placements = new Map<string, PreviousPlacement>();
  const rgd = await readGenerated(join(outDir, RGD_PATH));
  const annotations = (rgd as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata?.annotations;
  const text = (key: string) => (typeof annotations?.[key] === 'string' ? (annotations[key] as string) : undefined);
  const image = text(ANNOTATIONS.image);
  const stagerImage = text(ANNOTATIONS.stagerImage);

  let models: string[] = [];
  try {
    models = await readdir(join(outDir, TREE.workloads));
  } catch {
    // no workloads yet
  }
  for (const model of models.sort()) {
    const instance = (await readGenerated(join(outDir, TREE.workloads, model, 'instance.yaml'))) as InstanceShape | undefined;
    const placement = instance && placementOf(instance);
    if (placement) placements.set(placement.name, placement.value);
  }
  return { ...(image ? { image } : {}), ...(stagerImage ? { stagerImage } : {}), placements };
}

interface InstanceShape {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { annotations?: Record<string, unknown> };
  spec?: { name?: unknown; model?: Record<string, unknown> };
}

function placementOf(instance: InstanceShape): { name: string; value: PreviousPlacement } | undefined {
  if (instance.apiVersion !== LLM_SERVICE.apiVersion || instance.kind !== LLM_SERVICE.kind) return undefined;
  const name = instance.spec?.name;
  const model = instance.spec?.model ?? {};
  const identity = instance.metadata?.annotations?.[ANNOTATIONS.source];
  if (typeof name !== 'string' || typeof identity !== 'string') return undefined;
  const text = (key: string) => (typeof model[key] === 'string' ? (model[key] as string) : '');
  const format = (WEIGHT_FORMATS as readonly string[]).includes(text('format')) ? (text('format') as WeightFormat) : 'huggingface';
  return { name, value: { sourceIdentity: identity, source: text('source'), commit: text('commit'), manifest: text('manifest'), format } };
}

async function readGenerated(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  if (!text.startsWith(GENERATED_MARKER)) return undefined;
  try {
    return parse(text, { maxAliasCount: 0 }) as unknown;
  } catch {
    return undefined;
  }
}
