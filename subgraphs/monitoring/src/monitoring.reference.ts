import { batchLoader, type ReferenceResolvers, isUuid } from '@modelplane/core';
import { In } from 'typeorm';
import { Alert } from './entities/alert.entity';
import type { MonitoringRuntime } from './monitoring.runtime';
import type { ModelRef } from './types/federated.type';

/** `Model` stubs (the registry decides whether a model exists) and `Alert` by id, batched per `_entities` call. */
export function monitoringReferences({ services: { db } }: MonitoringRuntime): ReferenceResolvers {
  const loadAlert = batchLoader(async (ids: string[]) => {
    const uuids = ids.filter((id) => isUuid(id));
    const rows = uuids.length ? await db.getRepository(Alert).findBy({ id: In(uuids) }) : [];
    return new Map(rows.map((a) => [a.id, a]));
  });
  return {
    Model: { __resolveReference: (ref: ModelRef): ModelRef => ({ name: ref.name }) },
    Alert: { __resolveReference: (ref: { id: string }) => loadAlert(ref.id) },
  };
}
