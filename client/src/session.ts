import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Account, Instance } from './types.ts';

/** What every view may need: the instance's limits and the signed-in member. */
export interface Session {
  instance: Instance;
  me: Account;
  setMe(account: Account): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}
