// The console's login: an API key or JWT kept in sessionStorage (gone when the tab closes) and
// sent as `Authorization: Bearer …` on every request and in graphql-ws connectionParams.

const STORAGE_KEY = 'modelplane.console.credential';

export type Role = 'viewer' | 'operator' | 'admin';

export interface Session {
  credential: string | null;
  subject: string;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the session's role includes `role` (admin ⊇ operator ⊇ viewer). */
export function hasRole(session: Session, role: Role): boolean {
  return RANK[session.role] >= RANK[role];
}

export function storedCredential(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeCredential(credential: string | null): void {
  if (credential) sessionStorage.setItem(STORAGE_KEY, credential);
  else sessionStorage.removeItem(STORAGE_KEY);
}

export function authorizationHeader(credential: string | null): Record<string, string> {
  return credential ? { authorization: `Bearer ${credential}` } : {};
}

export class LoginError extends Error {}

/**
 * Who the credential belongs to, from the gateway's /console/session (it verifies the key or JWT
 * exactly as for GraphQL requests). A wrong credential is a LoginError with the gateway's message.
 */
export async function fetchSession(credential: string | null): Promise<Session> {
  let res: Response;
  try {
    res = await fetch('session', { headers: authorizationHeader(credential), cache: 'no-store' });
  } catch {
    throw new LoginError('the gateway cannot be reached');
  }
  const body = (await res.json().catch(() => ({}))) as { subject?: string; role?: string; error?: string };
  if (!res.ok || !body.subject || !body.role || !(body.role in RANK))
    throw new LoginError(body.error ?? `login failed (HTTP ${res.status})`);
  return { credential, subject: body.subject, role: body.role as Role };
}
