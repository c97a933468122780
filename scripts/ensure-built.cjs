// Used by the committed bin shims: runs a workspace's compiled entry point, building the
// repository first (scripts/build.mjs, about a second) when a fresh checkout has no dist/ yet.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

module.exports = function ensureBuilt(entry) {
  const root = join(__dirname, '..');
  const target = join(root, entry);
  if (!existsSync(target)) {
    process.stderr.write('modelplane: compiling the workspaces first (npm run build)…\n');
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, npm_config_loglevel: 'silent' },
    });
  }
  require(target);
};
