import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('accepts HS256 and RS256 tokens and maps the strongest role', () => {
    expect(verifier.verify(hs(claims()), at)).toEqual({ subject: 'u1', roles: ['operator'] });
    expect(verifier.verify(hs(claims({ role: undefined, roles: ['viewer', 'admin', 'other'] })), at)).toEqual({
      subject: 'u1',
      roles: ['admin'],
    });
    const body = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(claims({ role: 'viewer' }))}`;
    const token = `${body}.${sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
    expect(verifier.verify(token, at)).toEqual({ subject: 'u1', roles: ['viewer'] });
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
  ])('refuses %s', (_what, token, message) => {
    expect(() => verifier.verify(token, at)).toThrow(message);
  });

  it('allows 30 s of clock skew', () => {
    expect(verifier.verify(hs(claims({ exp: now - 20 })), at).subject).toBe('u1');
  });

  it('tells JWTs from API keys', () => {
    expect(JwtVerifier.looksLikeJwt(hs(claims()))).toBe(true);
    expect(JwtVerifier.looksLikeJwt('mp_0123456789ab_abcdef')).toBe(false);
  });
});
