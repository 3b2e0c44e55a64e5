import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UPSTREAM_CRDS } from '../packages/core/src/validate/schema/upstream-crds';

const REPO_ROOT = resolve(__dirname, '..');
const SHARED_CRDS = join(REPO_ROOT, '..', 'shared', 'crds');

/** group/kind of a pinned CRD file. */
function crdKind(file: string): string {
  const crd = parse(readFileSync(join(SHARED_CRDS, file), 'utf8')) as { spec: { group: string; names: { kind: string } } };
  return `${crd.spec.group}/${crd.spec.names.kind}`;
}

describe('the pinned upstream CRDs the PR check downloads', () => {
  it('are the release files: each sha256 matches the copy at that release', () => {
    for (const crd of UPSTREAM_CRDS) {
      const digest = createHash('sha256').update(readFileSync(join(SHARED_CRDS, crd.file))).digest('hex');
      expect(`${crd.file} ${digest}`).toBe(`${crd.file} ${crd.sha256}`);
      expect(crd.url).toMatch(new RegExp(`^https://raw\\.githubusercontent\\.com/[^/]+/[^/]+/[0-9a-f]{40}/.*/${crd.file.replace(/\./g, '\\.')}$`));
    }
  });

  it('cover every non-built-in kind the RGD creates for a model', () => {
    const rgd = parse(readFileSync(join(REPO_ROOT, 'gitops', 'platform', 'llm-service.rgd.yaml'), 'utf8')) as { spec: { resources: { template: { apiVersion: string; kind: string } }[] } };
    const pinned = new Set(UPSTREAM_CRDS.map((crd) => crdKind(crd.file)));
    const used = rgd.spec.resources.map(({ template }) => `${template.apiVersion.includes('/') ? template.apiVersion.split('/')[0] : ''}/${template.kind}`);
    const custom = used.filter((kind) => kind.includes('.'));
    expect(custom).toEqual(expect.arrayContaining(['eks.services.k8s.aws/PodIdentityAssociation', 'gateway.networking.k8s.io/HTTPRoute', 'monitoring.coreos.com/PodMonitor', 'ray.io/RayService']));
    for (const kind of custom) expect(pinned).toContain(kind);
    expect(pinned).toContain('gateway.networking.k8s.io/ReferenceGrant');
  });
});
