import { useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message.tsx';
import { LanguageSelect } from '../components/language-select.tsx';
import { useUpdateCredentials } from '../components/update-credentials.ts';
import { useSession } from '../session.ts';
import type { Visibility } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

/** Posting defaults, kept with the account (update_credentials `source[...]`) so every app shares them. */
export function Preferences() {
  const { me } = useSession();
  const [privacy, setPrivacy] = useState<Visibility>(me.source?.privacy ?? 'public');
  const [sensitive, setSensitive] = useState(me.source?.sensitive ?? false);
  const [language, setLanguage] = useState(me.source?.language || navigator.language.slice(0, 2));
  const { saving, saved, error, save } = useUpdateCredentials();

  const submit = async (event: Event) => {
    event.preventDefault();
    const body = new FormData();
    body.append('source[privacy]', privacy);
    body.append('source[sensitive]', String(sensitive));
    body.append('source[language]', language);
    await save(body);
  };

  return (
    <>
      <ViewHeading title="Preferences" />
      <form class="settings" onSubmit={submit}>
        <label for="preferences-privacy">Default visibility of posts</label>
        <select id="preferences-privacy" value={privacy} onChange={(event) => setPrivacy((event.target as HTMLSelectElement).value as Visibility)}>
          <option value="public">Public</option>
          <option value="unlisted">Unlisted</option>
          <option value="private">Followers only</option>
        </select>
        <LanguageSelect id="preferences-language" label="Default language of posts" value={language} onChange={setLanguage} />
        <label>
          <input type="checkbox" checked={sensitive} onChange={(event) => setSensitive((event.target as HTMLInputElement).checked)} /> Always mark media as sensitive
        </label>
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save preferences'}
        </button>
        <ErrorMessage error={error} />
        {saved && <p role="status">Your preferences are saved.</p>}
      </form>
      <h2>Your data</h2>
      <ul class="settings-links">
        <li>
          <a href="/settings/export">Export: your follows, blocks, lists and bookmarks as CSV, and an archive of your posts</a>
        </li>
        <li>
          <a href="/settings/imports">Import follows, blocks, mutes, domain blocks, lists and bookmarks</a>
        </li>
      </ul>
      <h2>E-mail</h2>
      <ul class="settings-links">
        <li>
          <a href="/settings/preferences/notifications">E-mail notifications</a>
        </li>
      </ul>
      <h2>Security</h2>
      <ul class="settings-links">
        <li>
          <a href="/oauth/authorized_applications">Authorized apps</a>
        </li>
        <li>
          <a href="/auth/edit">Account: e-mail address, and sessions (signing out of other browsers)</a>
        </li>
        <li>
          <a href="/settings/two_factor_authentication_methods">Two-factor authentication: an authenticator app, recovery codes and security keys</a>
        </li>
        <li>
          <a href="/settings/login_activities">Sign-in history</a>
        </li>
      </ul>
    </>
  );
}
