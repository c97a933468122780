import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One served (or shadow) prediction. Written in batches by PredictionLogWriter, never updated. */
@Entity({ name: 'prediction_log' })
export class PredictionLog {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'varchar', length: 16 })
  route!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  alias!: string | null;

  @Column({ name: 'shadow_of', type: 'uuid', nullable: true })
  shadowOf!: string | null;

  @Column({ type: 'jsonb' })
  features!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @Column({ type: 'double precision', nullable: true })
  score!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  probabilities!: number[] | null;

  @Column({ name: 'latency_ms', type: 'double precision' })
  latencyMs!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
