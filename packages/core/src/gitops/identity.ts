import type { GitIdentity } from './git.js';
import { UsageError } from '../errors/index.js';

/** The identity GitHub shows as "github-actions[bot]"; its noreply address carries the bot's user id. */
export const GITHUB_ACTIONS_BOT = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>';

/**
 * Reads `NAME <EMAIL>` as a commit identity. `source` names where the text came from (a flag, an
 * input), so the error tells the person which value to fix.
 */
export function parseGitIdentity(text: string, source: string): GitIdentity {
  const match = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!match) throw new UsageError(`${source} '${text}' must look like 'NAME <EMAIL>', e.g. '${GITHUB_ACTIONS_BOT}'`);
  return { name: match[1]!, email: match[2]! };
}
