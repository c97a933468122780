import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@modelplane/core';
import { JwtVerifier } from './jwt-verifier';

const logger = createLogger('test', 'silent');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const SECRET = 'jwt-unit-test-secret-0123456789abcdef';
const now = 1_800_000_000;
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'u1',
  iss: 'iss',
  aud: ['other', 'mp'],
  exp: now + 60,
  role: 'operator',
  ...extra,
});
const hs = (c: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }) => {
  const body = `${b64(header)}.${b64(c)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
};

describe('JwtVerifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }] }));
  const verifier = new JwtVerifier(
    loadConfig({ JWT_HS256_SECRET: SECRET, JWKS_PATH: join(dir, 'jwks.json'), JWT_ISSUER: 'iss', JWT_AUDIENCE: 'mp' }),
    logger,
  );
  const at = now * 1000;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts HS256 and RS256 tokens and maps the strongest role', async () => {
    expect(await verifier.verify(hs(claims()), at)).toEqual({ subject: 'u1', roles: ['operator'] });
    expect(await verifier.verify(hs(claims({ role: undefined, roles: ['viewer', 'admin', 'other'] })), at)).toEqual({
      subject: 'u1',
      roles: ['admin'],
    });
    const body = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(claims({ role: 'viewer' }))}`;
    const token = `${body}.${sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
    expect(await verifier.verify(token, at)).toEqual({ subject: 'u1', roles: ['viewer'] });
  });

  it.each([
    ['expired', hs(claims({ exp: now - 31 })), 'expired'],
    ['not yet valid', hs(claims({ nbf: now + 31 })), 'not valid yet'],
    ['no exp', hs(claims({ exp: undefined })), 'no exp'],
    ['issuer', hs(claims({ iss: 'x' })), 'wrong issuer'],
    ['audience', hs(claims({ aud: 'x' })), 'wrong audience'],
    ['role', hs(claims({ role: 'root' })), 'no role'],
    ['sub', hs(claims({ sub: '' })), 'sub'],
    ['alg none', `${b64({ alg: 'none' })}.${b64(claims())}.`, 'not accepted'],
    ['signature', `${hs(claims()).slice(0, -3)}abc`, 'bad signature'],
    ['RS256 with unknown kid', `${b64({ alg: 'RS256', kid: 'k9' })}.${b64(claims())}.AAAA`, 'bad signature'],
    ['malformed', 'eyJ.eyJ.x', 'malformed'],
  ])('refuses %s', async (_what, token, message) => {
    await expect(verifier.verify(token, at)).rejects.toThrow(message);
  });

  it('allows 30 s of clock skew', async () => {
    expect((await verifier.verify(hs(claims({ exp: now - 20 })), at)).subject).toBe('u1');
  });

  it('tells JWTs from API keys', () => {
    expect(JwtVerifier.looksLikeJwt(hs(claims()))).toBe(true);
    expect(JwtVerifier.looksLikeJwt('mp_0123456789ab_abcdef')).toBe(false);
  });
});

describe('JwtVerifier with the identity provider’s JWKS URL', () => {
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = (key: ReturnType<typeof rsa>, kid: string) => ({ ...key.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' });
  const rs = (key: ReturnType<typeof rsa>, kid: string) => {
    const body = `${b64({ alg: 'RS256', kid })}.${b64(claims({ exp: Math.floor(Date.now() / 1000) + 60 }))}`;
    return `${body}.${sign('RSA-SHA256', Buffer.from(body), key.privateKey).toString('base64url')}`;
  };
  const first = rsa();
  const second = rsa();
  let served: unknown[] = [];
  let up = true;
  let requests = 0;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      if (!up) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const verifierFor = (timings = { reloadMs: 0, retryMs: 0 }) =>
    new JwtVerifier(loadConfig({ JWKS_URL: url, JWT_ISSUER: 'iss', JWT_AUDIENCE: 'mp' }), logger, timings);

  it('verifies RS256 tokens with keys fetched from the URL, and fetches again when a rotated key appears', async () => {
    served = [jwk(first, 'k1')];
    const verifier = verifierFor();
    await verifier.ready();
    expect(await verifier.verify(rs(first, 'k1'))).toEqual({ subject: 'u1', roles: ['operator'] });
    // The provider rotates: a token with the new kid makes the gateway fetch the JWKS again.
    served = [jwk(first, 'k1'), jwk(second, 'k2')];
    const before = requests;
    expect(await verifier.verify(rs(second, 'k2'))).toEqual({ subject: 'u1', roles: ['operator'] });
    expect(requests).toBe(before + 1);
    // Known keys cost no fetch.
    await verifier.verify(rs(first, 'k1'));
    expect(requests).toBe(before + 1);
  });

  it('an unknown kid fetches at most once per reload interval', async () => {
    served = [jwk(first, 'k1')];
    const verifier = verifierFor({ reloadMs: 60_000, retryMs: 60_000 });
    await verifier.ready();
    const before = requests;
    for (let i = 0; i < 5; i++) await expect(verifier.verify(rs(second, 'k9'))).rejects.toThrow('bad signature');
    expect(requests - before).toBeLessThanOrEqual(1);
  });

  it('refuses tokens while the provider is down, keeps the keys it had, and recovers when it is back', async () => {
    up = false;
    const verifier = verifierFor();
    await verifier.ready();
    await expect(verifier.verify(rs(first, 'k1'))).rejects.toThrow('bad signature');
    up = true;
    served = [jwk(first, 'k1')];
    expect((await verifier.verify(rs(first, 'k1'))).subject).toBe('u1');
    up = false;
    // Down again: the keys fetched before still verify.
    expect((await verifier.verify(rs(first, 'k1'))).subject).toBe('u1');
    up = true;
  });

  it('refuses a configuration with both a JWKS file and a URL', () => {
    expect(() => loadConfig({ JWKS_URL: url, JWKS_PATH: '/tmp/jwks.json', JWT_ISSUER: 'iss', JWT_AUDIENCE: 'mp' })).toThrow('not both');
  });
});
