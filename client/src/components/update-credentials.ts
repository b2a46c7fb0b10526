import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSession } from '../session.ts';
import type { Account } from '../types.ts';

/** Saving the member's account (multipart PATCH update_credentials): busy, saved and failed states, and the session's account updated. */
export function useUpdateCredentials() {
  const { setMe } = useSession();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async (body: FormData): Promise<boolean> => {
    setSaving(true);
    setSaved(false);
    setError(null);
    try {
      setMe(await api<Account>('/api/v1/accounts/update_credentials', { method: 'PATCH', body }));
      setSaved(true);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setSaving(false);
    }
  };
  return { saving, saved, error, setError, save };
}
