import { batchLoader, modelRefReferences, type ReferenceResolvers, type SubgraphServices } from '@modelplane/core';
import { In } from 'typeorm';
import { Alert } from './entities/alert.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `Model` stubs (the registry decides whether a model exists) and `Alert` by id, batched per `_entities` call. */
export function monitoringReferences({ db }: SubgraphServices): ReferenceResolvers {
  const loadAlert = batchLoader(async (ids: string[]) => {
    const uuids = ids.filter((id) => UUID.test(id));
    const rows = uuids.length ? await db.getRepository(Alert).findBy({ id: In(uuids) }) : [];
    return new Map(rows.map((a) => [a.id, a]));
  });
  return {
    ...modelRefReferences,
    Alert: { __resolveReference: (ref: { id: string }) => loadAlert(ref.id) },
  };
}
