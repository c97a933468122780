import type { Express } from 'express';
import type { RegistryRuntime } from './registry.runtime';

/**
 * `GET /artifacts/:digest`: the raw ONNX bytes, for prediction replicas loading a version. Bytes
 * are immutable under their digest, so clients may cache them forever.
 */
export function artifactRoutes(app: Express, { services, registry }: RegistryRuntime): void {
  app.get('/artifacts/:digest', async (req, res) => {
    const digest = String(req.params.digest);
    if (!/^[0-9a-f]{64}$/.test(digest)) {
      res.status(400).json({ error: 'digest must be 64 lowercase hex characters' });
      return;
    }
    try {
      const bytes = await registry.artifactBytes(digest);
      if (!bytes) {
        res.status(404).json({ error: `no artifact ${digest}` });
        return;
      }
      res.set({ 'content-type': 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable' });
      res.send(bytes);
    } catch (err) {
      services.logger.error({ err, digest }, 'artifact read failed');
      res.status(503).json({ error: 'artifact store unavailable' });
    }
  });
}
