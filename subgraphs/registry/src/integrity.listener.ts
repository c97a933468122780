import { ARTIFACT_INTEGRITY, type SubgraphServices } from '@modelplane/core';
import type { ModelRegistry } from './model-registry';

/** Appends an INTEGRITY_ERROR model event for every artifact a prediction replica refused. */
export async function listenForIntegrityReports(services: SubgraphServices, registry: ModelRegistry): Promise<() => Promise<void>> {
  const events = services.pubSub.subscribe(ARTIFACT_INTEGRITY);
  const loop = (async () => {
    for await (const report of events) {
      await registry
        .recordIntegrityError(report)
        .catch((err: unknown) => services.logger.error({ err, report }, 'could not record integrity error'));
    }
  })().catch((err: unknown) => services.logger.error({ err }, 'integrity listener stopped'));
  return async () => {
    await events.return?.();
    await loop;
  };
}
