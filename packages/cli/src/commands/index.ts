import type { CommandDefinition } from '../command.js';
import { buildImageCommand } from './build-image.js';
import { bumpCommand } from './bump.js';
import { catalogCheckCommand } from './catalog-check.js';
import { fitCommand } from './fit.js';
import { pinCommand } from './pin.js';
import { pipelineCommand } from './pipeline.js';
import { planCommand } from './plan.js';
import { prCommentCommand } from './pr-comment.js';
import { prestageCommand } from './prestage.js';
import { renderCommand } from './render.js';
import { schemasFetchCommand, schemasImportCommand } from './schemas.js';
import { validateCommand } from './validate.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandDefinition[] = [
  catalogCheckCommand,
  renderCommand,
  validateCommand,
  schemasFetchCommand,
  schemasImportCommand,
  prestageCommand,
  buildImageCommand,
  fitCommand,
  planCommand,
  prCommentCommand,
  pipelineCommand,
  pinCommand,
  bumpCommand,
];
