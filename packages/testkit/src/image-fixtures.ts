import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from './temp.js';

export const PINNED_BASE = `rayproject/ray-llm:2.52.0-py311-cu128@sha256:${'ab'.repeat(32)}`;

export const FIXTURE_DOCKERFILE = [
  'ARG BASE_IMAGE',
  'FROM ${BASE_IMAGE}',
  'ARG RAY_VERSION',
  'ARG VLLM_VERSION',
  'RUN pip install "vllm[runai]==${VLLM_VERSION}"',
  'COPY --from=serve --chown=1000:100 . /home/ray/serve',
  'USER ray',
  'ARG OCI_REVISION=unknown',
  'ARG CONTENT_TAG=unknown',
  'LABEL org.opencontainers.image.revision="${OCI_REVISION}" org.opencontainers.image.version="${CONTENT_TAG}"',
  '',
].join('\n');

export const FIXTURE_BUILDSPEC = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo build\n';

/** An image definition like docker/ + serve/, in a fresh temp dir: `<root>/docker` and `<root>/serve`. */
export async function makeImageSource(overrides: Record<string, string> = {}): Promise<{ root: string; context: string; serve: string }> {
  const root = await tempDir('image-src-');
  const files: Record<string, string> = {
    'docker/Dockerfile': FIXTURE_DOCKERFILE,
    'docker/.dockerignore': '*\n!Dockerfile\n',
    'docker/versions.json': JSON.stringify({ $comment: 'test', ray: '2.52.0', vllm: '0.11.0', baseImage: PINNED_BASE }, null, 2),
    'docker/buildspec.yml': FIXTURE_BUILDSPEC,
    'docker/README.md': 'not in the image\n',
    'serve/pkg/__init__.py': '',
    'serve/pkg/app.py': 'def app():\n    return "hello"\n',
    'serve/pyproject.toml': '[project]\nname = "pkg"\n',
    ...overrides,
  };
  await writeFiles(root, files);
  return { root, context: join(root, 'docker'), serve: join(root, 'serve') };
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** CodeBuild-style log lines for a build that goes through the usual phases. */
export function codebuildLog(phase: string, ...lines: string[]): string[] {
  return [`[Container] 2025/01/01 00:00:00.000000 Entering phase ${phase}`, ...lines];
}
