import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pushImageIndex, startRegistry, type TestRegistry } from './distribution.js';
import { editVersionsText } from '../../src/image/versions.js';
import { dockerConfigCredentials } from '../../src/registry/docker-config.js';
import { parseImageReference, resolveTag } from '../../src/registry/index.js';

describe('image references', () => {
  test('normalize Docker Hub names the way docker does, and keep the name as written', () => {
    expect(parseImageReference('rayproject/ray-llm:2.52.0-py311-cu128')).toEqual({
      registry: 'registry-1.docker.io',
      repository: 'rayproject/ray-llm',
      name: 'rayproject/ray-llm',
      tag: '2.52.0-py311-cu128',
    });
    expect(parseImageReference('ubuntu:24.04')).toMatchObject({ registry: 'registry-1.docker.io', repository: 'library/ubuntu', name: 'ubuntu' });
    expect(parseImageReference('docker.io/library/ubuntu:24.04')).toMatchObject({ registry: 'registry-1.docker.io', repository: 'library/ubuntu' });
    expect(parseImageReference(`ghcr.io/org/team/img:v1@sha256:${'a'.repeat(64)}`)).toMatchObject({
      registry: 'ghcr.io',
      repository: 'org/team/img',
      tag: 'v1',
      digest: `sha256:${'a'.repeat(64)}`,
    });
    expect(parseImageReference('localhost:5000/x:1')).toMatchObject({ registry: 'localhost:5000', repository: 'x' });
  });

  test('refuse what is not a reference, saying what is wrong', () => {
    expect(() => parseImageReference('rayproject/ray-llm')).toThrow("image reference 'rayproject/ray-llm' has neither a tag nor a digest");
    expect(() => parseImageReference('Ray/LLM:1')).toThrow('has a repository path that is not lowercase');
    expect(() => parseImageReference('a/b:1@sha256:xyz')).toThrow("has a digest 'sha256:xyz' that is not sha256:<64 lowercase hex>");
  });
});

describe('editing versions.json', () => {
  test('changes only the bytes of the values it sets', () => {
    const text = '{\n    "$comment": "a \\"quoted\\" note",\n    "ray":"2.52.0",\n\t"baseImage" :  "r/x:1"   }';
    expect(editVersionsText(text, 'v.json', { baseImage: 'r/x:1@sha256:ab', ray: '2.59.0' })).toBe(
      '{\n    "$comment": "a \\"quoted\\" note",\n    "ray":"2.59.0",\n\t"baseImage" :  "r/x:1@sha256:ab"   }',
    );
    expect(() => editVersionsText(text, 'v.json', { vllm: '1' })).toThrow('v.json has no string "vllm" to update');
  });
});

describe('docker config credentials', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const configDir = (config: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'ray-gitops-docker-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  };

  test('reads the base64 auth of a host, of a URL key, and of Docker Hub under index.docker.io', async () => {
    const auth = (text: string) => Buffer.from(text).toString('base64');
    const dir = configDir({ auths: { 'ghcr.io': { auth: auth('me:ghcr-pass') }, 'https://index.docker.io/v1/': { auth: auth('hub:hub:pass') } } });
    const lookup = dockerConfigCredentials({ DOCKER_CONFIG: dir });
    expect(await lookup('ghcr.io')).toEqual({ username: 'me', password: 'ghcr-pass' });
    expect(await lookup('registry-1.docker.io')).toEqual({ username: 'hub', password: 'hub:pass' });
    expect(await lookup('quay.io')).toBeUndefined();
    expect(await dockerConfigCredentials({ DOCKER_CONFIG: join(dir, 'missing') })('ghcr.io')).toBeUndefined();
  });

  test('asks a credential helper program, never through a shell', async () => {
    const dir = configDir({ credHelpers: { 'example.registry.test': 'raygitopstest' } });
    // a real helper program speaking the docker-credential protocol: server URL on stdin, JSON on stdout
    writeFileSync(join(dir, 'docker-credential-raygitopstest'), '#!/bin/sh\nread server\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}\' "$server"\n');
    chmodSync(join(dir, 'docker-credential-raygitopstest'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath ?? ''}`;
    try {
      expect(await dockerConfigCredentials({ DOCKER_CONFIG: dir })('example.registry.test')).toEqual({ username: 'helper-user', password: 'helper-secret' });
    } finally {
      process.env.PATH = savedPath;
    }
    const bad = configDir({ credHelpers: { 'x.test': 'a;rm -rf /' } });
    await expect(dockerConfigCredentials({ DOCKER_CONFIG: bad })('x.test')).rejects.toThrow("credential helper 'a;rm -rf /' is not a plain program name");
  });
});

describe('resolving a tag on a real distribution registry', () => {
  let registry: TestRegistry;
  let proxy: Server;
  let proxyHost: string;
  const proxied: string[] = [];
  beforeAll(async () => {
    registry = await startRegistry();
    // a registry that sends no Docker-Content-Digest on HEAD (some do): the same registry behind a proxy that drops it
    proxy = createServer((incoming, outgoing) => {
      proxied.push(`${incoming.method ?? ''} ${incoming.url ?? ''}`);
      const [host, port] = registry.host.split(':');
      const upstream = httpRequest({ host, port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
        const headers = { ...answer.headers };
        if (incoming.method === 'HEAD') delete headers['docker-content-digest'];
        outgoing.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(outgoing);
      });
      incoming.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyHost = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await registry?.stop();
  });

  test('a Docker manifest list resolves to the list digest, an OCI index to the index digest, a single manifest to itself', async () => {
    const list = await pushImageIndex(registry, 'team/docker', 'v1', 'docker', 'docker');
    expect(await resolveTag(parseImageReference(`${registry.host}/team/docker:v1`))).toEqual({
      digest: list.digest,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      multiPlatform: true,
    });
    const index = await pushImageIndex(registry, 'team/oci', 'v1', 'oci');
    expect(await resolveTag(parseImageReference(`${registry.host}/team/oci:v1`))).toMatchObject({ digest: index.digest, multiPlatform: true });
    expect(index.platformDigests).not.toContain(index.digest);
    const single = await pushImageIndex(registry, 'team/single', 'v1', 'single', 'single');
    expect(await resolveTag(parseImageReference(`${registry.host}/team/single:v1`))).toEqual({
      digest: single.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      multiPlatform: false,
    });
  });

  test('without a digest header on HEAD, the digest is the sha256 of the manifest GET returns', async () => {
    const index = await pushImageIndex(registry, 'team/nohead', 'v1', 'nohead');
    const resolved = await resolveTag(parseImageReference(`${proxyHost}/team/nohead:v1`));
    expect(resolved.digest).toBe(index.contentDigest);
    expect(resolved.digest).toBe(index.digest);
    expect(proxied).toEqual(['HEAD /v2/team/nohead/manifests/v1', 'GET /v2/team/nohead/manifests/v1']);
  });
});
