// Compiles every workspace's src/ to dist/ with swc (about a second for the whole repo).
// Type checking is separate: `npm run check` runs tsc --noEmit.
import { transformFile } from '@swc/core';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const swcrc = JSON.parse(await readFile(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) yield full;
  }
}

// Browser workspaces (console/) have a vite.config.ts: Vite bundles them into dist/ instead.
const bundled = pkg.workspaces.filter((ws) => existsSync(join(root, ws, 'vite.config.ts')));
let count = 0;
await Promise.all(
  pkg.workspaces
    .filter((ws) => !bundled.includes(ws))
    .map(async (ws) => {
      const src = join(root, ws, 'src');
      const dist = join(root, ws, 'dist');
      await rm(dist, { recursive: true, force: true });
      const jobs = [];
      for await (const file of walk(src)) {
        const out = join(dist, relative(src, file)).replace(/\.ts$/, '.js');
        jobs.push(
          (async () => {
            const { code, map } = await transformFile(file, { ...swcrc, swcrc: false, sourceFileName: relative(dirname(out), file) });
            await mkdir(dirname(out), { recursive: true });
            await writeFile(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
            if (map) await writeFile(`${out}.map`, map);
          })(),
        );
      }
      await Promise.all(jobs);
      count += jobs.length;
      // Command-line entry points (package.json "bin") must be executable for npx.
      const manifest = JSON.parse(await readFile(join(root, ws, 'package.json'), 'utf8'));
      for (const target of Object.values(manifest.bin ?? {})) await chmod(join(root, ws, target), 0o755);
    }),
);
let bundleFiles = 0;
if (bundled.length) {
  const { build } = await import('vite');
  for (const ws of bundled) {
    const output = await build({ configFile: join(root, ws, 'vite.config.ts'), logLevel: 'warn' });
    for (const o of [output].flat()) bundleFiles += 'output' in o ? o.output.length : 0;
  }
}
if (!process.env.npm_config_loglevel || process.env.npm_config_loglevel !== 'silent') {
  console.log(`build: ${count} files compiled, ${bundleFiles} bundled (${bundled.join(', ')})`);
}
