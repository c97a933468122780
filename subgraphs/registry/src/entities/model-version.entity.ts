import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum VersionStatus {
  CANDIDATE = 'CANDIDATE',
  PRODUCTION = 'PRODUCTION',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(VersionStatus, {
  name: 'VersionStatus',
  valuesConfig: {
    CANDIDATE: { description: 'Registered, not what the production alias serves' },
    PRODUCTION: { description: 'What the production alias serves' },
    ARCHIVED: { description: 'Retired: no alias may point to it' },
  },
});

@ObjectType({ description: 'The input and outputs ONNX Runtime found when the artifact was registered' })
export class ModelSignature {
  @Field()
  inputName!: string;

  @Field({ description: 'float32 or float64' })
  inputType!: string;

  @Field(() => Int)
  featureCount!: number;

  @Field(() => String, { nullable: true })
  probabilitiesOutput!: string | null;

  @Field(() => String, { nullable: true })
  valueOutput!: string | null;

  @Field(() => Int, { nullable: true })
  classCount!: number | null;
}

@ObjectType({ description: 'One registered ONNX artifact of a model, numbered 1, 2, 3… per model' })
@Directive('@key(fields: "id")')
@Directive('@key(fields: "modelName version")')
@Entity({ name: 'model_version' })
export class ModelVersion {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field({ description: 'Name of the model this version belongs to' })
  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field(() => Int)
  @Column({ type: 'integer' })
  version!: number;

  @Field({ description: 'sha256 of the ONNX artifact (hex)' })
  @Column({ type: 'char', length: 64 })
  digest!: string;

  @Field(() => Int)
  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Field(() => VersionStatus)
  @Column({ type: 'enum', enum: VersionStatus, enumName: 'version_status', default: VersionStatus.CANDIDATE })
  status!: VersionStatus;

  @Field(() => ModelSignature)
  @Column({ type: 'jsonb' })
  signature!: ModelSignature;

  @Field(() => ID, { nullable: true, description: 'Training run that produced it (lineage)' })
  @Column({ name: 'run_id', type: 'varchar', length: 64, nullable: true })
  runId!: string | null;

  @Field(() => String, { nullable: true, description: 'Digest of the dataset it was trained on (lineage)' })
  @Column({ name: 'dataset_digest', type: 'varchar', length: 128, nullable: true })
  datasetDigest!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field()
  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
