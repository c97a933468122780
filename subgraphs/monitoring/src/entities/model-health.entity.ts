import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface FeatureStatistic {
  feature: string;
  method: string;
  statistic: number;
}

/**
 * The latest health of a model as the evaluator measured it. Every replica's Prometheus gauges
 * read this row, so they agree whichever replica ran the pass.
 */
@Entity({ name: 'model_health' })
export class ModelHealthSnapshot {
  @PrimaryColumn({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Column({ type: 'integer', nullable: true })
  version!: number | null;

  @Column({ name: 'drift_share', type: 'double precision', nullable: true })
  driftShare!: number | null;

  @Column({ name: 'drift_features', type: 'jsonb', default: () => "'[]'" })
  driftFeatures!: FeatureStatistic[];

  @Column({ type: 'double precision', nullable: true })
  accuracy!: number | null;

  @Column({ name: 'computed_at', type: 'timestamptz' })
  computedAt!: Date;
}
