import * as core from '@actions/core';
import { CapabilityNotBuiltError } from '@ray-gitops/core';

/** Not built yet: fail the step with a message that says so, rather than pretend to succeed. */
export async function run(): Promise<void> {
  core.setFailed(new CapabilityNotBuiltError('render-rgd').message);
  return Promise.resolve();
}
