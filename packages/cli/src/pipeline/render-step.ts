import { constants } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  DEFAULT_OUT_DIR,
  DEFAULT_VERSIONS_FILE,
  InputFileError,
  loadRenderSettings,
  renderCatalog,
  SETTINGS_FILE_NAME,
  type RenderCatalogResult,
  type RenderSettings,
  type Reporter,
  type StagedRecord,
} from '@ray-gitops/core';

export interface RenderedTree {
  readonly result: RenderCatalogResult;
  readonly settings: RenderSettings;
  /** true when this run copied the repository's render settings into the output directory */
  readonly settingsSeeded: boolean;
}

/**
 * `ray-gitops render` of the pipeline's catalog into `outDir`. An output directory without render
 * settings gets a copy of the repository's (gitops/render-settings.yaml), which the person may then edit.
 */
export async function renderInto(options: {
  readonly catalogDir: string;
  readonly outDir: string;
  readonly image: string;
  readonly staged: readonly StagedRecord[];
  readonly reporter: Reporter;
}): Promise<RenderedTree> {
  const settingsFile = join(options.outDir, SETTINGS_FILE_NAME);
  const settingsSeeded = await seedSettings(settingsFile);
  const result = await renderCatalog({
    catalogDir: options.catalogDir,
    outDir: options.outDir,
    image: options.image,
    staged: options.staged,
    settingsFile,
    versionsFile: DEFAULT_VERSIONS_FILE,
    reporter: options.reporter,
  });
  return { result, settings: await loadRenderSettings(settingsFile), settingsSeeded };
}

async function seedSettings(settingsFile: string): Promise<boolean> {
  const repositorySettings = join(DEFAULT_OUT_DIR, SETTINGS_FILE_NAME);
  await mkdir(dirname(settingsFile), { recursive: true });
  try {
    await copyFile(repositorySettings, settingsFile, constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new InputFileError(`${settingsFile} is missing and ${repositorySettings} cannot be copied there (${code ?? String(error)}); run from the repository root or write the settings file`, { cause: error });
  }
}
