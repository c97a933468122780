import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The true outcome of a prediction, consumed from the prediction subgraph's feedback stream. */
@Entity({ name: 'label' })
export class Label {
  @PrimaryColumn({ name: 'prediction_id', type: 'uuid' })
  predictionId!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Column({ type: 'text' })
  actual!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
