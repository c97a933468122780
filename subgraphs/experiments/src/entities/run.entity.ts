import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum RunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(RunStatus, { name: 'RunStatus' });

export enum RunTrigger {
  MANUAL = 'MANUAL',
  DRIFT = 'DRIFT',
  SCHEDULE = 'SCHEDULE',
  NEW_DATA = 'NEW_DATA',
  EXTERNAL = 'EXTERNAL',
}
registerEnumType(RunTrigger, { name: 'RunTrigger', description: 'What started a training run' });

@ObjectType({ description: 'One training run of a model' })
@Entity({ name: 'run' })
export class Run {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field(() => RunStatus)
  @Column({ type: 'enum', enum: RunStatus, enumName: 'run_status', default: RunStatus.QUEUED })
  status!: RunStatus;

  @Field(() => RunTrigger)
  @Column({ type: 'enum', enum: RunTrigger, enumName: 'run_trigger', default: RunTrigger.MANUAL })
  trigger!: RunTrigger;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
