import { ApiKey } from './api-key.entity';
import { Artifact } from './artifact.entity';
import { ModelAlias } from './model-alias.entity';
import { ModelEvent } from './model-event.entity';
import { ModelVersion } from './model-version.entity';
import { Model } from './model.entity';

/** The registry's tables (PostgreSQL schema `registry`). */
export const registryEntities = [Model, ModelVersion, ModelAlias, ModelEvent, Artifact, ApiKey];
