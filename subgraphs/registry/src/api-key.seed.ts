import type { Config } from '@modelplane/core';
import type { ApiKeyStore } from './api-key-store';
import { ApiKeyRole } from './entities/api-key.entity';

/** MODELPLANE_ADMIN_KEY, stored (hashed) at start-up if it is not yet: idempotent across restarts and replicas. */
export async function seedConfiguredAdminKey(config: Config, keys: ApiKeyStore): Promise<void> {
  const key = config.MODELPLANE_ADMIN_KEY;
  if (!key) return;
  await keys.seed(key, ApiKeyRole.ADMIN, 'admin (MODELPLANE_ADMIN_KEY)');
}
