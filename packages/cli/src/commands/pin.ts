import { DEFAULT_VERSIONS_FILE, dockerConfigCredentials, pinVersionsFile, type PinResult } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const pinCommand: CommandDefinition = {
  path: ['pin'],
  summary: "Pin every image of docker/versions.json to its tag's current digest (the multi-platform index), through the registry API.",
  synopsis: '[--check] [--versions FILE] [--json]',
  options: {
    check: { type: 'boolean', description: 'write nothing; exit 1 naming each image that is unpinned or whose tag now points at another digest' },
    versions: { type: 'string', value: 'FILE', default: DEFAULT_VERSIONS_FILE, description: 'versions file whose images are pinned' },
    json: { type: 'boolean', description: 'print the result as JSON on stdout' },
  },
  async run({ values, streams, reporter }) {
    const result = await pinVersionsFile(values.versions as string, {
      check: values.check === true,
      credentials: dockerConfigCredentials(process.env),
      reporter,
    });
    if (values.json) streams.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else for (const line of describePin(result, values.check === true)) streams.stdout.write(`${line}\n`);
    const stale = result.images.filter((image) => image.status === 'unpinned' || image.status === 'moved');
    return values.check === true && stale.length > 0 ? ExitCode.problemsFound : ExitCode.ok;
  },
};

/** One line per image: what it was, what it is now, and whether the file changed. */
export function describePin(result: PinResult, check: boolean): string[] {
  return result.images.map((image) => {
    const where = `${result.file}: ${image.key}`;
    switch (image.status) {
      case 'current':
        return `${where} ${image.after} is current`;
      case 'digest-only':
        return `${where} ${image.after} is pinned by digest only; no tag to follow`;
      case 'unpinned':
        return check ? `${where} ${image.before} is not pinned; its tag points at ${image.after}` : `${where} ${image.before} → ${image.after} (pinned)`;
      case 'moved':
        return `${where} tag ${image.before.replace(/@.*$/, '')} now points elsewhere: ${image.before} → ${image.after}${check ? '' : ' (updated)'}`;
    }
  });
}
