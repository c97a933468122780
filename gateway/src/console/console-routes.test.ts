import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, UnauthenticatedError, type Identity } from '@modelplane/core';
import express from 'express';
import type { Authenticator } from '../auth/authenticator';
import { mountConsoleRoutes } from './console-routes';

/** The console's routes on a bare express app, with a stand-in for the key check (the browser tests use the real one). */
describe('console routes', () => {
  let dist: string;
  const servers: Server[] = [];

  const keys: Record<string, Identity> = { 'viewer-key': { subject: 'key:viewer', roles: ['viewer'] } };
  const authenticator = {
    async authenticate(authorization: unknown) {
      if (!authorization) return null;
      const identity = keys[String(authorization).replace(/^Bearer /, '')];
      if (!identity) throw new UnauthenticatedError('invalid API key (unknown or revoked)');
      return identity;
    },
  } as unknown as Authenticator;

  async function serve(env: Record<string, string>): Promise<string> {
    const app = express();
    mountConsoleRoutes(app, {
      config: loadConfig({ LOG_LEVEL: 'silent', ...env }),
      logger: createLogger('test', 'silent'),
      authenticator,
      distDir: dist,
    });
    app.get('/graphql', (_req, res) => res.send('apollo'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'console-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await rm(dist, { recursive: true, force: true });
  });

  it('serves the console with a strict CSP, and its hashed assets cached for good', async () => {
    const base = await serve({});
    const page = await fetch(`${base}/console/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const asset = await fetch(`${base}/console/assets/index-abc.js`);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(asset.headers.get('content-security-policy')).toBe(csp);
    expect((await fetch(`${base}/console/assets/missing.js`)).status).toBe(404);
    const bare = await fetch(`${base}/console`, { redirect: 'manual' });
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('redirects the root to the console in local mode, and to the explorer in production with SANDBOX on', async () => {
    expect((await fetch(`${await serve({})}/`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
    const production = await serve({ MODELPLANE_MODE: 'production', SANDBOX: 'true', GATEWAY_SECRET: 'x'.repeat(40) });
    expect((await fetch(`${production}/`, { redirect: 'manual' })).headers.get('location')).toBe('/graphql');
  });

  it('EXPLORER=graphiql (the default) serves GraphiQL offline at /graphiql and sends browsers there from /graphql', async () => {
    const base = await serve({});
    const graphiql = await fetch(`${base}/graphiql`);
    const html = await graphiql.text();
    expect(html).toContain('Modelplane GraphiQL');
    expect(html).toContain('sessionStorage.getItem("modelplane.console.credential")');
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(graphiql.headers.get('content-security-policy')).toContain('worker-src blob:');
    const landing = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(landing.headers.get('location')).toBe('/graphiql');
    // Clients asking for JSON are Apollo Server's.
    expect(await (await fetch(`${base}/graphql`, { headers: { accept: 'application/json' } })).text()).toBe('apollo');
  });

  it('EXPLORER=sandbox leaves /graphql to Apollo Sandbox, with GraphiQL still beside it at /graphiql', async () => {
    const base = await serve({ EXPLORER: 'sandbox' });
    expect(await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text()).toBe('apollo');
    expect((await fetch(`${base}/graphiql`)).status).toBe(200);
  });

  it('SANDBOX=false serves no explorer at all', async () => {
    const base = await serve({ SANDBOX: 'false' });
    expect((await fetch(`${base}/graphiql`)).status).toBe(404);
    expect(await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text()).toBe('apollo');
  });

  it('an invalid EXPLORER is refused at start-up', () => {
    expect(() => loadConfig({ EXPLORER: 'playground' })).toThrow(/EXPLORER="playground" must be one of graphiql, sandbox/);
  });

  it('/console/session names the role of a valid key, refuses a wrong one with 401 and no key with 401', async () => {
    const base = await serve({});
    const ok = await fetch(`${base}/console/session`, { headers: { authorization: 'Bearer viewer-key' } });
    expect(await ok.json()).toEqual({ subject: 'key:viewer', role: 'viewer' });
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const wrong = await fetch(`${base}/console/session`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'invalid API key (unknown or revoked)' });
    expect((await fetch(`${base}/console/session`)).status).toBe(401);
  });

  it('/console/session slows down guessing: failures beyond the per-address budget get 429', async () => {
    const base = await serve({});
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++)
      statuses.push((await fetch(`${base}/console/session`, { headers: { authorization: `Bearer guess-${i}` } })).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  it('CONSOLE=false serves no console', async () => {
    const base = await serve({ CONSOLE: 'false' });
    expect((await fetch(`${base}/console/`)).status).toBe(404);
  });
});
