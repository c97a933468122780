import type { SubgraphServices } from '@modelplane/core';
import { ApiKeyStore } from './api-key-store';
import { ApiKeyRole } from './entities/api-key.entity';

/** MODELPLANE_ADMIN_KEY, stored (hashed) at start-up if it is not yet: idempotent across restarts and replicas. */
export async function seedConfiguredAdminKey(services: SubgraphServices): Promise<void> {
  const key = services.config.MODELPLANE_ADMIN_KEY;
  if (!key) return;
  await new ApiKeyStore(services).seed(key, ApiKeyRole.ADMIN, 'admin (MODELPLANE_ADMIN_KEY)');
}
