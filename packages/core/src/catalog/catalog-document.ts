import type { EngineArgValue, UpgradeStrategy, WeightStorage } from './model-entry.js';

/**
 * A catalog file's data as model.schema.json admits it: what the person wrote, before defaults.
 * Keep in step with the schema; to-model-entry.ts turns it into a ModelEntry.
 */
export interface CatalogDocument {
  name: string;
  description?: string;
  source: {
    huggingface?: { repo: string; revision?: string };
    url?: { url: string; sha256?: string };
    s3?: { uri: string };
  };
  serving: {
    maxModelLen: number;
    gpu: { type: string; count: number };
    replicas?: { min?: number; max?: number };
    storage?: WeightStorage;
    upgrade?: UpgradeStrategy;
    engineArgs?: Record<string, EngineArgValue>;
    trustRemoteCode?: boolean;
    allowEngineArgs?: string[];
  };
  staging?: { where?: 'runner' | 'cluster'; shards?: number };
}
