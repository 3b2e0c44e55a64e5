import { resolve } from 'node:path';
import { commitBack, type CommitBackResult } from './commit-back.js';
import type { GitIdentity } from './git.js';
import { commitBackMessage } from './message.js';
import type { RenderCatalogResult } from '../render/render.js';
import type { Reporter } from '../report/index.js';

export interface CommitRenderedOptions {
  /** the directory the tree was rendered into; it must sit inside a git working tree */
  readonly outDir: string;
  readonly identity: GitIdentity;
  readonly push: boolean;
  readonly remote?: string;
  readonly branch?: string;
  readonly reporter?: Reporter;
}

/**
 * Commits what a render owns: every rendered file and the files it deleted, never the catalog or
 * anyone's other edits, with a message naming the models and the image.
 */
export async function commitRenderedTree(render: RenderCatalogResult, options: CommitRenderedOptions): Promise<CommitBackResult> {
  const { tree, plan, image } = render;
  if (!render.ok || !tree || !plan || !image) throw new Error('commitRenderedTree needs a successful render');
  const deleted = plan.changes.filter((change) => change.kind === 'deleted').map((change) => change.path);
  return commitBack({
    repoDir: options.outDir,
    // absolute: commitBack reads relative paths against repoDir, and outDir may itself be relative
    paths: [...tree.files.map((file) => file.path), ...deleted].map((path) => resolve(options.outDir, path)),
    identity: options.identity,
    message: commitBackMessage({ models: tree.models.map((model) => model.name), image: image.ref }),
    push: options.push,
    ...(options.remote !== undefined ? { remote: options.remote } : {}),
    ...(options.branch !== undefined ? { branch: options.branch } : {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
}
