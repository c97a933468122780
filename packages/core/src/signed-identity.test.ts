import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';
import { gatewaySecret, IdentitySigner, signIdentity, verifyIdentity } from './signed-identity';
import { hasRole } from './roles';

const secret = 'unit-test-gateway-secret-0123456789abcdef';
const identity = { subject: 'key:ci', roles: ['operator'], keyId: 'a1b2c3d4e5f6' };

describe('signed identities', () => {
  it('round-trips subject, role and key id', () => {
    expect(verifyIdentity(secret, signIdentity(secret, identity))).toEqual(identity);
  });

  it('refuses another secret, a changed payload, a stale or future token, and junk', () => {
    const now = Date.now();
    const token = signIdentity(secret, identity, now);
    expect(verifyIdentity('another-secret-0123456789abcdef0123456789', token, now)).toBeNull();
    const [v, payload, mac] = token.split('.');
    const changed = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('operator', 'admin')).toString('base64url');
    expect(verifyIdentity(secret, `${v}.${changed}.${mac}`, now)).toBeNull();
    expect(verifyIdentity(secret, token, now + 61_000)).toBeNull();
    expect(verifyIdentity(secret, signIdentity(secret, identity, now + 45_000), now)).toBeNull();
    expect(verifyIdentity(secret, token, now + 59_000)).toEqual(identity);
    for (const junk of [undefined, '', 'v1', 'v1.a.b', 'v2.a.b', 42, 'x'.repeat(5000)])
      expect(verifyIdentity(secret, junk, now)).toBeNull();
  });

  it('an identity without a known role verifies as unauthenticated (no roles)', () => {
    const verified = verifyIdentity(secret, signIdentity(secret, { subject: 'x', roles: ['root'] }));
    expect(verified).toEqual({ subject: 'x', roles: [] });
    expect(hasRole(verified!, 'viewer')).toBe(false);
  });

  it('reuses a token briefly, then signs afresh', () => {
    const signer = new IdentitySigner(secret);
    const t0 = signer.token(identity, 1_000_000);
    expect(signer.token(identity, 1_005_000)).toBe(t0);
    expect(signer.token(identity, 1_011_000)).not.toBe(t0);
  });

  it('local mode without GATEWAY_SECRET keeps a generated one in MODELPLANE_HOME; production requires it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mp-secret-'));
    try {
      const a = gatewaySecret(loadConfig({ MODELPLANE_HOME: home }));
      const b = gatewaySecret(loadConfig({ MODELPLANE_HOME: home }));
      expect(a).toBe(b);
      expect(a.length).toBeGreaterThanOrEqual(32);
      expect((await stat(join(home, 'gateway-secret'))).mode & 0o777).toBe(0o600);
      expect(gatewaySecret(loadConfig({ MODELPLANE_HOME: home, GATEWAY_SECRET: secret }))).toBe(secret);
      expect(() => gatewaySecret(loadConfig({ MODELPLANE_MODE: 'production', MODELPLANE_HOME: home }))).toThrow('GATEWAY_SECRET');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
