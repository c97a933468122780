import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One run of the alert evaluator: which replica, what it evaluated, what changed. */
@Entity({ name: 'evaluation_pass' })
export class EvaluationPass {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** SCHEDULED or ON_DEMAND. */
  @Column({ type: 'varchar', length: 16 })
  trigger!: string;

  @Column({ name: 'model', type: 'varchar', length: 128, nullable: true })
  modelName!: string | null;

  @Column({ type: 'varchar', length: 200 })
  replica!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  rules!: number;

  @Column({ type: 'integer', default: 0 })
  fired!: number;

  @Column({ type: 'integer', default: 0 })
  resolved!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
