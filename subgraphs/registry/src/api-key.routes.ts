import express, { type Express } from 'express';
import type { RegistryRuntime } from './registry.runtime';

/**
 * Internal routes for the gateway and the platform launcher (behind the subgraph's signed-caller
 * guard on /internal):
 *
 *   POST /internal/keys/verify     { key } → 200 { keyId, name, role } | 401
 *   POST /internal/keys/bootstrap  → { created: true, key, keyId } once (local mode's first start) | { created: false }
 */
export function apiKeyRoutes(app: Express, { services, apiKeys: keys }: RegistryRuntime): void {
  const json = express.json({ limit: '4kb' });
  app.post('/internal/keys/verify', json, async (req, res) => {
    const key = (req.body as { key?: unknown } | undefined)?.key;
    if (typeof key !== 'string') {
      res.status(400).json({ error: 'send { "key": "…" }' });
      return;
    }
    try {
      const verified = await keys.verify(key);
      if (!verified) res.status(401).json({ error: 'unknown or revoked API key' });
      else res.json(verified);
    } catch (err) {
      services.logger.error({ err }, 'API key verification failed');
      res.status(503).json({ error: 'API keys unavailable' });
    }
  });
  app.post('/internal/keys/bootstrap', async (_req, res) => {
    if (services.config.MODELPLANE_MODE !== 'local' || services.config.AUTH === 'off') {
      res.json({ created: false });
      return;
    }
    try {
      const created = await keys.bootstrapAdmin();
      res.json(created ? { created: true, ...created } : { created: false });
    } catch (err) {
      services.logger.error({ err }, 'first admin key creation failed');
      res.status(503).json({ error: 'API keys unavailable' });
    }
  });
}
