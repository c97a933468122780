import { Field, ObjectType } from 'type-graphql';
import { ModelEvent } from '../entities/model-event.entity';
import { ModelVersion } from '../entities/model-version.entity';

@ObjectType({ description: 'What a rollback moved the production alias from and to' })
export class Rollback {
  @Field(() => ModelVersion)
  fromVersion!: ModelVersion;

  @Field(() => ModelVersion)
  toVersion!: ModelVersion;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => ModelEvent)
  event!: ModelEvent;
}
