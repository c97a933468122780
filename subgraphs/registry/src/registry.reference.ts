import { batchLoader, type ReferenceResolvers, isUuid } from '@modelplane/core';
import { In } from 'typeorm';
import { ModelVersion } from './entities/model-version.entity';
import { Model } from './entities/model.entity';
import type { RegistryRuntime } from './registry.runtime';

/** Resolves `Model` and `ModelVersion` references for other subgraphs, batching per `_entities` call. */
export function registryReferences({ services: { db } }: RegistryRuntime): ReferenceResolvers {
  const loadModel = batchLoader(async (names: string[]) => {
    const rows = await db.getRepository(Model).findBy({ name: In(names) });
    return new Map(rows.map((m) => [m.name, m]));
  });
  const loadVersionById = batchLoader(async (ids: string[]) => {
    const uuids = ids.filter(isUuid);
    const rows = uuids.length ? await db.getRepository(ModelVersion).findBy({ id: In(uuids) }) : [];
    return new Map(rows.map((v) => [v.id, v]));
  });
  const loadVersionByNumber = batchLoader(async (keys: string[]) => {
    const pairs = keys.map((k) => JSON.parse(k) as [string, number]);
    const rows = (await db
      .getRepository(ModelVersion)
      .createQueryBuilder('v')
      .where('(v.model, v.version) IN (SELECT * FROM unnest(:models::varchar[], :versions::int[]))', {
        models: pairs.map((p) => p[0]),
        versions: pairs.map((p) => p[1]),
      })
      .getMany()) as ModelVersion[];
    return new Map(rows.map((v) => [JSON.stringify([v.modelName, v.version]), v]));
  });
  return {
    Model: {
      __resolveReference: (ref: { name: string }) => loadModel(ref.name),
    },
    ModelVersion: {
      __resolveReference: (ref: { id?: string; modelName?: string; version?: number }) =>
        ref.id !== undefined ? loadVersionById(ref.id) : loadVersionByNumber(JSON.stringify([ref.modelName, ref.version])),
    },
  };
}
