import { batchLoader, type ReferenceResolvers, type SubgraphServices } from '@modelplane/core';
import { In } from 'typeorm';
import { Model } from './entities/model.entity';

/** Resolves `Model` references for other subgraphs, one query per `_entities` call. */
export function modelReferences({ db }: SubgraphServices): ReferenceResolvers {
  const load = batchLoader(async (names: string[]) => {
    const rows = await db.getRepository(Model).findBy({ name: In(names) });
    return new Map(rows.map((m) => [m.name, m]));
  });
  return {
    Model: {
      __resolveReference: (ref: { name: string }) => load(ref.name),
    },
  };
}
