import { MODEL_NAME_LIMIT, toStagedRecord, type StagedRecord, type StageResult } from '@ray-gitops/core';

/** A catalog entry for the staged sample: its file name, its YAML and the staged-prefix record render takes. */
export interface SampleEntry {
  readonly name: string;
  readonly yaml: string;
  readonly staged: StagedRecord;
}

/** The catalog entry that serves the staged sample from its S3 prefix (an `s3:` source). */
export function sampleEntry(stage: StageResult): SampleEntry {
  const name = dnsLabel(`sample-${stage.name}`);
  const yaml = [
    "# Written by 'ray-gitops pipeline': the sample model it staged into its embedded bucket.",
    `name: ${name}`,
    `description: ${JSON.stringify(`The sample model ${stage.org}/${stage.name} that ray-gitops pipeline staged into its embedded bucket.`)}`,
    'source:',
    '  s3:',
    `    uri: ${stage.s3Uri}`,
    'serving:',
    '  maxModelLen: 2048',
    '  gpu: { type: L4, count: 1 }',
    '',
  ].join('\n');
  // the entry's s3: source is the staged prefix itself, so the record serves it (stagedFrom)
  return { name, yaml, staged: toStagedRecord(stage, { model: name }) };
}

/** A DNS-1035 label short enough for every name derived from it; `text` starts with a letter. */
function dnsLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, MODEL_NAME_LIMIT.limit)
    .replace(/^-+|-+$/g, '');
}
