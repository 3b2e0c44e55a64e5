import { finalizeStaged, type FinalizeOptions } from '../stage/finalize.js';
import { stagedKeys } from '../stage/manifest.js';
import { parseS3Uri } from '../stage/s3.js';
import { selectFiles, type SelectOptions } from '../stage/select.js';
import type { StageResult } from '../stage/stage.js';
import type { ResolvedSource } from '../stage/types.js';

/**
 * Where the in-cluster staging Job will stage a resolved source (catalog `staging.where: cluster`):
 * the result render takes, with nothing copied, at the resolved commit.
 */
export function inClusterPlacement(source: ResolvedSource, dest: string, selection: SelectOptions = {}): StageResult {
  const location = parseS3Uri(dest);
  const { modelPrefix, manifestKey } = stagedKeys(location, source);
  const { files, notes } = selectFiles(source.files, selection);
  return {
    s3Uri: `s3://${location.bucket}/${modelPrefix}`,
    manifestUri: `s3://${location.bucket}/${manifestKey}`,
    org: source.org,
    name: source.name,
    commit: source.commit,
    source: source.description,
    alreadyStaged: false,
    totalBytes: files.reduce((sum, f) => sum + f.size, 0),
    bytesUploaded: 0,
    bytesSkipped: 0,
    seconds: 0,
    notes,
    // format detection reads the paths; nothing was copied, so no sha256 yet
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 ?? '', action: 'skipped' as const, bytesUploaded: 0 })),
  };
}

/** finalizeStaged's outcome in the shape a staging run reports: every object verified, none sent. */
export async function finalizeAsStageResult(options: FinalizeOptions): Promise<StageResult> {
  const done = await finalizeStaged(options);
  return {
    ...done,
    alreadyStaged: done.alreadyFinalized,
    bytesUploaded: 0,
    bytesSkipped: done.totalBytes,
    notes: [],
    files: done.files.map((f) => ({ ...f, action: 'skipped' as const, bytesUploaded: 0 })),
  };
}
