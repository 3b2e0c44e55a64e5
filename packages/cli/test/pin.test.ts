import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { freePort, pushImageIndex, startRegistry, type TestRegistry } from '../../core/test/registry/distribution.js';

const REPO_ROOT = resolve(__dirname, '../../..');
const scratch: string[] = [];
let plain: TestRegistry;
let guarded: TestRegistry;
const savedDockerConfig = process.env.DOCKER_CONFIG;

beforeAll(async () => {
  [plain, guarded] = await Promise.all([startRegistry(), startRegistry({ tokenAuth: true })]);
  // no docker login of the machine running the tests may leak in
  process.env.DOCKER_CONFIG = tempDir();
}, 60_000);
afterAll(async () => {
  await Promise.all([plain?.stop(), guarded?.stop()]);
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ray-gitops-pin-'));
  scratch.push(dir);
  return dir;
}

/** A versions.json like the repository's, its base image on the test registry; a final newline and two-space indent to keep. */
function versionsFile(baseImage: string): string {
  const file = join(tempDir(), 'versions.json');
  writeFileSync(
    file,
    `{\n  "$comment": "kept as is",\n  "ray": "2.52.0",\n  "python": "3.11",\n  "cuda": "12.8",\n  "vllm": "0.11.0",\n  "baseImage": ${JSON.stringify(baseImage)}\n}\n`,
  );
  return file;
}

describe('ray-gitops pin against a real distribution registry', () => {
  test('writes the digest of the multi-platform index, changing nothing else; --check names a tag that moved', async () => {
    const pushed = await pushImageIndex(plain, 'rayproject/ray-llm', '2.52.0-py311-cu128', 'first');
    expect(pushed.digest).toBe(pushed.contentDigest);
    const image = `${plain.host}/rayproject/ray-llm:2.52.0-py311-cu128`;
    const file = versionsFile(image);
    const before = readFileSync(file, 'utf8');

    const unpinned = await runCli('pin', '--check', '--versions', file);
    expect(unpinned.code).toBe(1);
    expect(unpinned.stdout).toContain(`baseImage ${image} is not pinned; its tag points at ${image}@${pushed.digest}`);
    expect(readFileSync(file, 'utf8')).toBe(before);

    const pin = await runCli('pin', '--versions', file);
    expect(pin.stderr).not.toContain('internal error');
    expect(pin.code).toBe(0);
    expect(pin.stdout).toBe(`${file}: baseImage ${image} → ${image}@${pushed.digest} (pinned)\n`);
    const after = readFileSync(file, 'utf8');
    expect(after).toBe(before.replace(`"${image}"`, `"${image}@${pushed.digest}"`));
    expect(after).not.toContain(pushed.platformDigests[0]);

    const current = await runCli('pin', '--check', '--versions', file);
    expect(current.code).toBe(0);
    expect(current.stdout).toContain('is current');

    const moved = await pushImageIndex(plain, 'rayproject/ray-llm', '2.52.0-py311-cu128', 'second');
    expect(moved.digest).not.toBe(pushed.digest);
    const check = await runCli('pin', '--check', '--versions', file);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`baseImage tag ${image} now points elsewhere: ${image}@${pushed.digest} → ${image}@${moved.digest}`);
    expect(readFileSync(file, 'utf8')).toBe(after);

    expect((await runCli('pin', '--versions', file)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before.replace(`"${image}"`, `"${image}@${moved.digest}"`));
  });

  test('behind token auth: anonymous bearer tokens for a public repository, the docker config login for a private one', async () => {
    const publicPush = await pushImageIndex(guarded, 'public/base', 'v1', 'public');
    const publicFile = versionsFile(`${guarded.host}/public/base:v1`);
    const anonymous = await runCli('pin', '--versions', publicFile);
    expect(anonymous.stderr).toBe(`resolving baseImage: ${guarded.host}/public/base:v1\n`);
    expect(anonymous.code).toBe(0);
    expect(readFileSync(publicFile, 'utf8')).toContain(`"${guarded.host}/public/base:v1@${publicPush.digest}"`);

    const privatePush = await pushImageIndex(guarded, 'private/base', 'v1', 'private');
    const privateFile = versionsFile(`${guarded.host}/private/base:v1`);
    const before = readFileSync(privateFile, 'utf8');
    const refused = await runCli('pin', '--versions', privateFile);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(2); // the progress line, then the one error line
    expect(refused.stderr.trimEnd().split('\n').at(-1)).toBe(
      `ray-gitops pin: ${guarded.host}/private/base:v1: the registry asks for credentials (HTTP 401); ` +
        `run 'docker login ${guarded.host}' (read from $DOCKER_CONFIG/config.json or ~/.docker/config.json), or check the repository name`,
    );
    expect(readFileSync(privateFile, 'utf8')).toBe(before);

    const config = tempDir();
    const auth = Buffer.from(`${guarded.login!.username}:${guarded.login!.password}`).toString('base64');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [guarded.host]: { auth } } }));
    const wrong = tempDir();
    writeFileSync(join(wrong, 'config.json'), JSON.stringify({ auths: { [`http://${guarded.host}`]: { auth: Buffer.from('ci-bot:nope').toString('base64') } } }));
    const saved = process.env.DOCKER_CONFIG;
    try {
      process.env.DOCKER_CONFIG = wrong;
      const rejected = await runCli('pin', '--versions', privateFile);
      expect(rejected.code).toBe(1);
      expect(rejected.stderr).toContain("the registry refused the docker config's credentials");
      expect(rejected.stderr).not.toContain('nope');
      process.env.DOCKER_CONFIG = config;
      const withLogin = await runCli('pin', '--versions', privateFile);
      expect(withLogin.code).toBe(0);
      expect(readFileSync(privateFile, 'utf8')).toBe(before.replace(`"${guarded.host}/private/base:v1"`, `"${guarded.host}/private/base:v1@${privatePush.digest}"`));
    } finally {
      process.env.DOCKER_CONFIG = saved;
    }
  });

  test('a wrong tag and an unreachable registry each give one clear line, exit 1, and leave the file alone', async () => {
    await pushImageIndex(plain, 'team/image', 'real', 'x');
    const wrongTag = versionsFile(`${plain.host}/team/image:no-such-tag`);
    const missing = await runCli('pin', '--versions', wrongTag);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(2);
    const lastLine = missing.stderr.trimEnd().split('\n').at(-1);
    expect(lastLine).toBe(`ray-gitops pin: ${plain.host}/team/image:no-such-tag: the registry has no such tag (or no such repository; HTTP 404); check the tag`);

    const port = await freePort();
    const unreachable = versionsFile(`127.0.0.1:${port}/team/image:real`);
    const before = readFileSync(unreachable, 'utf8');
    const down = await runCli('pin', '--versions', unreachable);
    expect(down.code).toBe(1);
    expect(down.stderr.trimEnd().split('\n')).toHaveLength(2);
    expect(down.stderr.trimEnd().split('\n').at(-1)).toBe(
      `ray-gitops pin: cannot reach the registry at http://127.0.0.1:${port} (ECONNREFUSED); check the image reference and the network`,
    );
    expect(down.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(unreachable, 'utf8')).toBe(before);
  });

  test("after pin, build-image --dry-run of a copy of the repository's docker/ no longer reports the base image unpinned", async () => {
    const copy = tempDir();
    cpSync(join(REPO_ROOT, 'docker'), join(copy, 'docker'), { recursive: true });
    cpSync(join(REPO_ROOT, 'serve'), join(copy, 'serve'), { recursive: true });
    const versions = join(copy, 'docker/versions.json');
    const committed = JSON.parse(readFileSync(versions, 'utf8')) as { baseImage: string };
    // the committed base image, mirrored onto the test registry under the same repository and tag
    const [name, tag] = committed.baseImage.replace(/@.*$/, '').split(':') as [string, string];
    const pushed = await pushImageIndex(plain, name, tag, 'mirror');
    writeFileSync(versions, readFileSync(versions, 'utf8').replace(JSON.stringify(committed.baseImage), JSON.stringify(`${plain.host}/${name}:${tag}`)));
    const dryRun = () => runCli('build-image', '--dry-run', '--json', '--context', join(copy, 'docker'), '--named-context', `serve=${join(copy, 'serve')}`);

    // a dry run builds nothing, so an unpinned base is the real build's blocker, stated as a warning
    const unpinned = await dryRun();
    expect(unpinned.code).toBe(0);
    expect(unpinned.stderr).toContain('build-image will refuse to build until 1 image definition error(s) are fixed');
    expect(unpinned.stderr).toContain(`base image ${plain.host}/${name}:${tag} is not pinned by digest, so no build starts; run 'ray-gitops pin' (or the pin-images workflow, .github/workflows/pin-images.yml)`);

    expect((await runCli('pin', '--versions', versions)).code).toBe(0);
    const pinned = await dryRun();
    expect(pinned.stderr).not.toContain('not pinned');
    expect(pinned.stderr).not.toContain('will refuse to build');
    expect(pinned.code).toBe(0);
    const doc = JSON.parse(pinned.stdout) as { buildArgs: Record<string, string> };
    expect(doc.buildArgs.BASE_IMAGE).toBe(`${plain.host}/${name}:${tag}@${pushed.digest}`);
  });

  test('bump --ray moves Ray, vLLM, Python, CUDA and the base image tag together, pins it, and re-renders rayVersion', async () => {
    const copy = tempDir();
    for (const dir of ['docker', 'gitops']) cpSync(join(REPO_ROOT, dir), join(copy, dir), { recursive: true });
    const versions = join(copy, 'docker/versions.json');
    const committedText = readFileSync(versions, 'utf8');
    const committed = JSON.parse(committedText) as { baseImage: string; ray: string };
    const name = committed.baseImage.replace(/[:@].*$/, '');
    writeFileSync(versions, committedText.replace(JSON.stringify(committed.baseImage), JSON.stringify(`${plain.host}/${name}:${committed.ray}-py311-cu128`)));
    const before = readFileSync(versions, 'utf8');
    const pushed = await pushImageIndex(plain, name, '2.59.0-py312-cu130', 'ray 2.59.0');
    const args = ['--versions', versions, '--catalog', join(copy, 'gitops/models'), '--out', join(copy, 'gitops')];

    const unknown = await runCli('bump', '--ray', '2.53.0', ...args);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe(
      "ray-gitops bump: ray-gitops does not know which vLLM the Ray 2.53.0 image ships (known: 2.52.0, 2.59.0); pass --vllm X.Y.Z from that Ray release's notes",
    );
    const noTag = await runCli('bump', '--ray', '2.55.0', '--vllm', '0.20.0', ...args);
    expect(noTag.code).toBe(1);
    expect(noTag.stderr).toContain(`${plain.host}/${name}:2.55.0-py311-cu128: the registry has no such tag`);
    expect(readFileSync(versions, 'utf8')).toBe(before);

    const bump = await runCli('bump', '--ray', '2.59.0', ...args);
    expect(bump.stderr).not.toContain('internal error');
    expect(bump.code).toBe(0);
    const image = `${plain.host}/${name}:2.59.0-py312-cu130@${pushed.digest}`;
    expect(readFileSync(versions, 'utf8')).toBe(
      before
        .replace('"ray": "2.52.0"', '"ray": "2.59.0"')
        .replace('"vllm": "0.11.0"', '"vllm": "0.27.0"')
        .replace('"python": "3.11"', '"python": "3.12"')
        .replace('"cuda": "12.8"', '"cuda": "13.0"')
        .replace(/"baseImage": "[^"]*"/, `"baseImage": "${image}"`),
    );
    expect(bump.stdout).toContain(`${versions}: ray 2.52.0 → 2.59.0\n`);
    expect(bump.stdout).toContain(`${versions}: vllm 0.11.0 → 0.27.0\n`);
    expect(bump.stdout).toContain(`${versions}: baseImage ${plain.host}/${name}:2.52.0-py311-cu128 → ${image}\n`);
    expect(bump.stdout).toContain(`changed ${join(copy, 'gitops/platform/llm-service.rgd.yaml')}`);
    const rgd = readFileSync(join(copy, 'gitops/platform/llm-service.rgd.yaml'), 'utf8');
    expect(rgd).toContain('rayVersion: 2.59.0');
    expect(rgd).not.toContain('rayVersion: 2.52.0');
    expect((await runCli('render', '--check', '--catalog', join(copy, 'gitops/models'), '--out', join(copy, 'gitops'), '--versions', versions)).code).toBe(0);
  });
});
