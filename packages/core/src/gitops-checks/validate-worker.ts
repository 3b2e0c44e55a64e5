// Entry of a validation worker thread with the gitops checks: `validateManifests` starts it (file URL
// from checks-by-name.ts) when a large input is spread over several cores.
import { checkFromSource } from './checks-by-name.js';
import { serveValidationWorker } from '../validate/worker-thread.js';

serveValidationWorker(checkFromSource);
