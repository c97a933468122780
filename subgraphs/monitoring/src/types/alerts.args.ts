import { ArgsType, Field, Int } from 'type-graphql';
import { AlertKind } from '../entities/alert-rule.entity';
import { AlertStatus } from '../entities/alert.entity';

@ArgsType()
export class AlertsArgs {
  @Field(() => String, { nullable: true, description: 'Only alerts of this model' })
  model?: string | null;

  @Field(() => AlertStatus, { nullable: true })
  status?: AlertStatus | null;

  @Field(() => AlertKind, { nullable: true })
  kind?: AlertKind | null;

  @Field(() => Int, { defaultValue: 50, description: 'At most this many, newest first (1-500)' })
  first!: number;
}
