import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory (the test kit lives in packages/testkit/src). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** ../shared beside the repository (read-only inputs: CRDs, fixtures, real manifests). */
export const SHARED = join(REPO_ROOT, '..', 'shared') + '/';
/** the upstream CRDs the rendered tree is validated against */
export const CRDS = `${SHARED}crds/`;
export const REFERENCE = `${SHARED}reference/`;
/** kubeconform's own test fixtures (manifests, a schema registry, junit.xsd) */
export const FIXTURES = `${SHARED}reference/kubeconform-fixtures/`;
export const EXAMPLE_CATALOG = join(REPO_ROOT, 'gitops', 'models');
export const VERSIONS_FILE = join(REPO_ROOT, 'docker', 'versions.json');
