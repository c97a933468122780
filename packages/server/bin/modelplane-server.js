#!/usr/bin/env node
// The `modelplane-server` command. Committed (not built) so that npm links it on install, before
// any build has run; it runs the compiled server, compiling the workspaces first in a fresh checkout.
require('../../../scripts/ensure-built.cjs')('packages/server/dist/main.js');
