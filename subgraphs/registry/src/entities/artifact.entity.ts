import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** ONNX bytes, stored once per sha256 however many versions share them. Not a GraphQL type. */
@Entity({ name: 'artifact' })
export class Artifact {
  @PrimaryColumn({ type: 'char', length: 64 })
  digest!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ type: 'bytea', select: false })
  content!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
