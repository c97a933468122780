import { createContext, useContext } from 'react';
import type { LinkStatus } from './graphql';
import { hasRole, type Session } from './session';

export interface SessionValue {
  session: Session;
  status: LinkStatus;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside the console');
  return value;
}

/** Whether the signed-in role may change things (operator or admin): viewers see no action buttons. */
export function useCanOperate(): boolean {
  return hasRole(useSession().session, 'operator');
}
