import { CapabilityNotBuiltError } from '@ray-gitops/core';
import type { CommandDefinition } from '../command.js';

/** The run() of a command whose options are part of the contract but whose stage has not landed. */
export function notBuiltYet(capability: string): CommandDefinition['run'] {
  return () => Promise.reject(new CapabilityNotBuiltError(capability));
}
