import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { useUpdateCredentials } from '../components/update-credentials.ts';
import { useSession } from '../session.ts';
import type { Account } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

/** The member's own profile: name, bio, avatar and header (multipart PATCH update_credentials). */
export function EditProfile() {
  const { me } = useSession();
  const [displayName, setDisplayName] = useState(me.display_name);
  const [note, setNote] = useState(me.source?.note ?? '');
  // the bio is editable once its source has come (else what the member typed meanwhile would be overwritten)
  const [noteLoaded, setNoteLoaded] = useState(false);
  const [avatar, setAvatar] = useState<File | null>(null);
  const [header, setHeader] = useState<File | null>(null);
  const { saving, saved, error, setError, save } = useUpdateCredentials();

  useEffect(() => {
    // the bio as the member wrote it, not as HTML
    api<Account>('/api/v1/accounts/verify_credentials').then((account) => {
      setNote(account.source?.note ?? '');
      setNoteLoaded(true);
    }, setError);
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const body = new FormData();
    body.append('display_name', displayName);
    body.append('note', note);
    if (avatar) body.append('avatar', avatar);
    if (header) body.append('header', header);
    const form = event.target as HTMLFormElement;
    if (!(await save(body))) return;
    setAvatar(null);
    setHeader(null);
    form.reset();
  };

  return (
    <>
      <ViewHeading title="Edit profile" />
      <form class="settings" onSubmit={submit}>
        <img class="avatar large" src={me.avatar} alt="Your current avatar" width={96} height={96} />
        <label for="profile-name">Display name</label>
        <input id="profile-name" type="text" maxLength={30} value={displayName} onInput={(event) => setDisplayName((event.target as HTMLInputElement).value)} />
        <label for="profile-note">Bio</label>
        <textarea id="profile-note" rows={4} maxLength={500} value={note} disabled={!noteLoaded} onInput={(event) => setNote((event.target as HTMLTextAreaElement).value)} />
        <label for="profile-avatar">Avatar (PNG, GIF, JPEG or WebP, at most 8 MB; cropped to 400×400)</label>
        <input id="profile-avatar" type="file" accept="image/png,image/gif,image/jpeg,image/webp" onChange={(event) => setAvatar((event.target as HTMLInputElement).files?.[0] ?? null)} />
        <label for="profile-header">Header (shown at 1500×500)</label>
        <input id="profile-header" type="file" accept="image/png,image/gif,image/jpeg,image/webp" onChange={(event) => setHeader((event.target as HTMLInputElement).files?.[0] ?? null)} />
        <button type="submit" class="primary" disabled={saving || !noteLoaded}>
          {saving ? 'Saving…' : 'Save changes'}
        </button>
        <ErrorMessage error={error} />
        {saved && <p role="status">Your profile is saved.</p>}
      </form>
    </>
  );
}
