import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@modelplane/core';
import { RateLimiter } from '../edge/rate-limiter';
import { ApiKeyVerifier } from './api-key-verifier';

/**
 * The verifier against an HTTP server answering as the registry's POST /internal/keys/verify does
 * (the identity for the one valid key, 401 for any other), counting the requests it gets.
 */
const VALID = 'mp_0123456789ab_ValidKeyValidKeyValidKeyValidKeyValidKeyValidK';

describe('API key verification at the gateway', () => {
  let server: Server;
  let asked: string[] = [];
  let verifier: ApiKeyVerifier;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('end', () => {
        const { key } = JSON.parse(Buffer.concat(parts).toString()) as { key: string };
        asked.push(key);
        if (key !== VALID) return void res.writeHead(401).end();
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keyId: '0123456789ab', name: 'ci', role: 'operator' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    asked = [];
    verifier = new ApiKeyVerifier({
      registryBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      headers: () => ({}),
      cacheMs: 60_000,
      timeoutMs: 5000,
      logger: createLogger('test', 'silent'),
    });
  });

  it('refuses what cannot be a key without asking the registry', async () => {
    for (const token of ['short', 'mp_1', 'x'.repeat(23), 'k'.repeat(513), 'ключ'.repeat(10), `${'a'.repeat(30)}\u0000`]) {
      await expect(verifier.verify(token)).rejects.toThrow('malformed API key');
    }
    expect(asked).toEqual([]);
  });

  it('remembers unknown keys apart: a stream of random keys does not evict the valid ones, nor is an unknown key asked twice', async () => {
    expect((await verifier.verify(VALID)).subject).toBe('key:ci');
    const unknown = Array.from({ length: 10_050 }, (_, i) => `mp_${String(i).padStart(12, '0')}_${'u'.repeat(43)}`);
    for (let i = 0; i < unknown.length; i += 50) {
      await Promise.all(unknown.slice(i, i + 50).map((k) => verifier.verify(k).catch(() => null)));
    }
    expect(asked.length).toBe(1 + unknown.length);
    expect((await verifier.verify(VALID)).subject).toBe('key:ci');
    await expect(verifier.verify(unknown.at(-1)!)).rejects.toThrow('unknown or revoked');
    expect(asked.length).toBe(1 + unknown.length);
  }, 180_000);

  it('takes from the caller’s rate limit before asking the registry, so unknown keys beyond it cost the registry nothing', async () => {
    const limiter = new RateLimiter(0.001, 5);
    const before = () => {
      if (limiter.take('ip:1') !== null) throw new Error('rate limited');
    };
    const outcomes = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(
        await verifier.verify(`mp_${String(i).padStart(12, '0')}_${'r'.repeat(43)}`, Date.now(), before).catch((e: Error) => e.message),
      );
    }
    expect(outcomes.filter((o) => o === 'rate limited')).toHaveLength(15);
    expect(asked).toHaveLength(5);
  });
});
