#!/usr/bin/env node
// Hive Gateway with its defaults, programmatically (@graphql-hive/gateway-runtime, what the
// `hive-gateway` CLI runs in each worker), in one process like ours: the CLI would fork one worker
// per core under NODE_ENV=production, which on a shared 2-core machine measures the fork count,
// not the gateway. The supergraph file is the committed one with its subgraph URLs rewritten to
// the platform's ports. Because Modelplane's subgraphs refuse unsigned requests, every subgraph
// request carries the signed identity header (propagateHeaders; IdentitySigner reuses one HMAC
// for 10 s), as our gateway's do. Used by ops/bench/gateway.mjs.
// With HIVE_QUERY_PLANNER=rust it plans with Hive's Rust query planner instead of the JavaScript
// one: `unifiedGraphHandler` from @graphql-hive/router-runtime (an N-API addon in the package),
// the fastest federation gateway installable from npm.
//
// env: SUPERGRAPH_PATH (already rewritten), GATEWAY_SECRET, PORT (0 = any free port),
//      HIVE_QUERY_PLANNER (js | rust, default js)
// prints `READY <url>` on stdout once it listens.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { root } from './platform.mjs';

const require = createRequire(import.meta.url);
const { IdentitySigner } = require(`${root}/packages/core/dist/signed-identity.js`);
const signer = new IdentitySigner(process.env.GATEWAY_SECRET);
const identity = { subject: 'anonymous', roles: ['admin'] };

const rust = process.env.HIVE_QUERY_PLANNER === 'rust';
const runtime = createGatewayRuntime({
  supergraph: process.env.SUPERGRAPH_PATH,
  ...(rust && { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler }),
  logging: 'error',
  propagateHeaders: { fromClientToSubgraphs: () => signer.headers(identity) },
});
const server = createServer(runtime);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${server.address().port}/graphql\n`);
});
const stop = () => {
  server.close();
  void runtime.dispose?.();
  setTimeout(() => process.exit(0), 200).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
