import { rm } from 'node:fs/promises';
import type { EmbeddedPostgres } from '../../packages/core/src';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __modelplanePg?: EmbeddedPostgres; __modelplaneHome?: string };
  await state.__modelplanePg?.stop();
  if (state.__modelplaneHome) await rm(state.__modelplaneHome, { recursive: true, force: true });
}
