import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType({ description: 'One line of a run’s log' })
@Entity({ name: 'run_log' })
export class RunLog {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Field()
  @Column({ type: 'timestamptz' })
  at!: Date;

  @Field()
  @Column({ type: 'varchar', length: 8 })
  level!: string;

  @Field()
  @Column({ type: 'text' })
  message!: string;
}
