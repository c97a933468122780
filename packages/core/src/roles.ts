import type { Identity } from './context';

/**
 * Roles, each including the ones before it: admin ⊇ operator ⊇ viewer.
 *   viewer   — queries and subscriptions
 *   operator — predictions, feedback, versions, aliases, rollbacks, traffic, retraining and
 *              tracking, alert rules and alerts
 *   admin    — API keys, policies, and everything else
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const VIEWER: Role = 'viewer';
export const OPERATOR: Role = 'operator';
export const ADMIN: Role = 'admin';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** The strongest known role among `roles`, or null when there is none. */
export function highestRole(roles: readonly unknown[]): Role | null {
  let best: Role | null = null;
  for (const r of roles) if (isRole(r) && (best === null || roleRank(r) > roleRank(best))) best = r;
  return best;
}

/** Whether the identity's strongest role includes `required`. */
export function hasRole(identity: Identity | undefined, required: Role): boolean {
  const role = identity ? highestRole(identity.roles) : null;
  return role !== null && roleRank(role) >= roleRank(required);
}

/** An identity that is authenticated (it holds a role). */
export function isAuthenticated(identity: Identity | undefined): boolean {
  return !!identity && highestRole(identity.roles) !== null;
}

/** How one service calls another: `service:<name>` with a fixed role (no caller behind it). */
export function serviceIdentity(name: string, role: Role = OPERATOR): Identity {
  return { subject: `service:${name}`, roles: [role] };
}

/** AUTH=off (local mode only): everyone is this. */
export const ANONYMOUS_ADMIN: Identity = Object.freeze({ subject: 'anonymous', roles: [ADMIN] as string[] }) as Identity;
