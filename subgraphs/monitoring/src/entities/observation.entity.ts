import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One prediction as consumed from the prediction subgraph's log stream: only what monitoring
 * needs. `seq` is the order of consumption (the stream's order), which windows and baselines use.
 */
@Entity({ name: 'observation' })
export class Observation {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'varchar', length: 16 })
  route!: string;

  @Column({ type: 'jsonb', nullable: true })
  features!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @Column({ type: 'double precision', nullable: true })
  score!: number | null;

  @Column({ name: 'latency_ms', type: 'double precision', nullable: true })
  latencyMs!: number | null;

  /** Error code of a failed prediction, when the stream carries failures (it does not yet). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'ingested_at', type: 'timestamptz', insert: false, update: false })
  ingestedAt!: Date;
}
