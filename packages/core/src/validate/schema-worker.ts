// Entry of a validation worker thread for a run without checks (schemas only, kubeconform's verdict).
import { serveValidationWorker } from './worker-thread.js';

serveValidationWorker((source) => {
  throw new Error(`a schema-only worker cannot build the check '${source.name}'`);
});
