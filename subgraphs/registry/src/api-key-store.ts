import { createHash, randomBytes } from 'node:crypto';
import { BadUserInputError, NotFoundError, isRole, type Role, type SubgraphServices } from '@modelplane/core';
import type { Repository } from 'typeorm';
import { ApiKey, ApiKeyRole } from './entities/api-key.entity';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 characters of base62 ≈ 256 bits. */
const SECRET_LENGTH = 43;
const KEY_PATTERN = /^mp_([0-9a-z]{12})_[0-9A-Za-z]{43}$/;
/** last_used_at is a hint, not an audit trail: one write per key per minute at most. */
const LAST_USED_RESOLUTION = '1 minute';
/** Serialises first-start admin key creation across registry replicas. */
const BOOTSTRAP_LOCK = 0x6d70_6b65; // "mpke"

export interface VerifiedKey {
  keyId: string;
  name: string;
  role: Role;
}

function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: values above would make some characters likelier than others.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A new key: `mp_<12 hex key id>_<43 base62 secret>`. */
export function generateApiKey(): { key: string; keyId: string } {
  const keyId = randomBytes(6).toString('hex');
  return { key: `mp_${keyId}_${base62(SECRET_LENGTH)}`, keyId };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key id of a well-formed key, or one derived from its hash (MODELPLANE_ADMIN_KEY may be any long string). */
export function keyIdOf(key: string): string {
  return KEY_PATTERN.exec(key)?.[1] ?? `env${hashApiKey(key).slice(0, 9)}`;
}

/** Callers are recorded as `key:<name>` in 200-character actor columns: names stay well within. */
const MAX_NAME_LENGTH = 100;

function assertName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH) {
    throw new BadUserInputError(`name must be 1-${MAX_NAME_LENGTH} characters`, { argument: 'name' });
  }
  return trimmed;
}

/**
 * API keys, owned by the registry: created and revoked by admins through the graph, verified by
 * the gateway through POST /internal/keys/verify (api-key.routes.ts). Only hashes are stored.
 */
export class ApiKeyStore {
  constructor(private readonly services: SubgraphServices) {}

  private get repo(): Repository<ApiKey> {
    return this.services.db.getRepository(ApiKey);
  }

  async create(name: string, role: ApiKeyRole, createdBy: string): Promise<{ key: string; apiKey: ApiKey }> {
    const { key, keyId } = generateApiKey();
    const apiKey = await this.repo.save(
      this.repo.create({ keyId, name: assertName(name), role, secretHash: hashApiKey(key), createdBy, revokedAt: null, lastUsedAt: null }),
    );
    this.services.logger.info({ keyId, role, createdBy }, 'API key created');
    return { key, apiKey };
  }

  list(): Promise<ApiKey[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  /** Revokes a key (again: no change). */
  async revoke(id: string, by: string): Promise<ApiKey> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new BadUserInputError('id is not an API key id', { argument: 'id' });
    const key = await this.repo.findOneBy({ id });
    if (!key) throw new NotFoundError(`no API key ${id}`, { id });
    if (!key.revokedAt) {
      await this.repo.update({ id }, { revokedAt: () => 'now()' });
      this.services.logger.info({ keyId: key.keyId, by }, 'API key revoked');
    }
    return this.repo.findOneByOrFail({ id });
  }

  /** Who a presented key belongs to, or null (unknown or revoked). */
  async verify(key: string): Promise<VerifiedKey | null> {
    if (key.length < 16 || key.length > 512) return null;
    const rows = (await this.services.db.query(
      `SELECT key_id AS "keyId", name, role, (last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_RESOLUTION}') AS stale
         FROM registry.api_key WHERE secret_hash = $1 AND revoked_at IS NULL`,
      [hashApiKey(key)],
    )) as Array<{ keyId: string; name: string; role: string; stale: boolean }>;
    const row = rows[0];
    if (!row || !isRole(row.role)) return null;
    if (row.stale) {
      void this.services.db
        .query(`UPDATE registry.api_key SET last_used_at = now() WHERE key_id = $1`, [row.keyId])
        .catch((err: unknown) => this.services.logger.warn({ err }, 'could not record API key use'));
    }
    return { keyId: row.keyId, name: row.name, role: row.role };
  }

  /** Stores a configured key (MODELPLANE_ADMIN_KEY) if it is not stored yet; a revoked one stays revoked. */
  async seed(key: string, role: ApiKeyRole, name: string): Promise<void> {
    await this.services.db.query(
      `INSERT INTO registry.api_key (key_id, name, role, secret_hash, created_by) VALUES ($1, $2, $3, $4, 'configuration')
       ON CONFLICT DO NOTHING`,
      [keyIdOf(key), name, role, hashApiKey(key)],
    );
  }

  /**
   * Local mode's first start: an admin key when no usable one exists (one replica creates it;
   * the others see it). The plaintext is returned once and never stored.
   */
  async bootstrapAdmin(): Promise<{ key: string; keyId: string } | null> {
    return this.services.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const [{ count }] = (await tx.query(
        `SELECT count(*)::int AS count FROM registry.api_key WHERE role = 'admin' AND revoked_at IS NULL`,
      )) as [{ count: number }];
      if (count > 0) return null;
      const { key, keyId } = generateApiKey();
      await tx.query(
        `INSERT INTO registry.api_key (key_id, name, role, secret_hash, created_by) VALUES ($1, 'admin (first start)', 'admin', $2, 'first start')`,
        [keyId, hashApiKey(key)],
      );
      this.services.logger.info({ keyId }, 'created the first admin API key (printed once by the platform)');
      return { key, keyId };
    });
  }
}
