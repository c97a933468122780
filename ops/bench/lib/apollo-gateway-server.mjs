#!/usr/bin/env node
// Plain @apollo/gateway as its documentation sets it up: ApolloServer + ApolloGateway with a
// static supergraph, started with startStandaloneServer. Changes from the defaults: where the
// subgraphs are (buildService overrides the URLs) and, because Modelplane's subgraphs refuse
// unsigned requests, the signed identity header on every subgraph request (what our gateway adds
// too; IdentitySigner reuses one HMAC for 10 s). No keep-alive agent, no fast path, no NODE_ENV
// change. Used by ops/bench/gateway.mjs as the baseline.
//
// env: SUPERGRAPH_PATH, SUBGRAPH_URLS (JSON { name: url }), GATEWAY_SECRET, PORT (0 = any free port)
// prints `READY <url>` on stdout once it listens.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { root } from './platform.mjs';

const require = createRequire(import.meta.url);
const { IdentitySigner } = require(`${root}/packages/core/dist/signed-identity.js`);
const signer = new IdentitySigner(process.env.GATEWAY_SECRET);
// Who our gateway forwards under AUTH=off: the anonymous admin.
const identity = { subject: 'anonymous', roles: ['admin'] };

const supergraphSdl = await readFile(process.env.SUPERGRAPH_PATH, 'utf8');
const urls = JSON.parse(process.env.SUBGRAPH_URLS ?? '{}');
const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url: urls[name] ?? url,
      willSendRequest({ request }) {
        for (const [header, value] of Object.entries(signer.headers(identity))) request.http?.headers.set(header, value);
      },
    }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' } });
process.stdout.write(`READY ${new URL('/graphql', url)}\n`);
const stop = () => server.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
