import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** GraphQL's view of the roles in @modelplane/core (VIEWER ↔ 'viewer'…). */
export enum ApiKeyRole {
  VIEWER = 'viewer',
  OPERATOR = 'operator',
  ADMIN = 'admin',
}
registerEnumType(ApiKeyRole, {
  name: 'Role',
  description: 'What a caller may do; each role includes the ones above it',
  valuesConfig: {
    VIEWER: { description: 'Queries and subscriptions' },
    OPERATOR: {
      description:
        'Also predictions, feedback, model versions, aliases, rollbacks, traffic splits, retraining and tracking, alert rules and alerts',
    },
    ADMIN: { description: 'Also API keys, policies, model and dataset registration, experiment settings' },
  },
});

@ObjectType({ description: 'An API key (its secret is shown once, when created, and stored only as a hash)' })
@Entity({ name: 'api_key' })
export class ApiKey {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field({ description: 'The public part of the key (`mp_<keyId>_…`), shown in logs' })
  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId!: string;

  @Field()
  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Field(() => ApiKeyRole)
  @Column({ type: 'varchar', length: 16 })
  role!: ApiKeyRole;

  @Column({ name: 'secret_hash', type: 'char', length: 64, select: false })
  secretHash!: string;

  @Field()
  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Set when revoked; a revoked key is refused within AUTH_CACHE_SECONDS' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Roughly when the key was last verified (updated at most once a minute)' })
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}

@ObjectType({ description: 'A new API key: `key` is the secret, shown only in this answer' })
export class CreatedApiKey {
  @Field({ description: 'Send as `Authorization: Bearer <key>`; it cannot be shown again' })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}
