import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { StatusList } from '../components/status-list.tsx';
import { Link } from '../router.tsx';
import { DisplayName, SafeHtml } from '../sanitize.tsx';
import { useSession } from '../session.ts';
import type { Account, Relationship } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

/** An account: its header, bio and counts, following it, and its posts. */
export function Profile({ id }: { id: string }) {
  const { me } = useSession();
  const [account, setAccount] = useState<Account | null>(null);
  const [relationship, setRelationship] = useState<Relationship | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setAccount(null);
    setRelationship(null);
    api<Account>(`/api/v1/accounts/${id}`).then(setAccount, setError);
    if (id !== me.id) api<Relationship[]>(`/api/v1/accounts/relationships?id[]=${encodeURIComponent(id)}`).then(([r]) => setRelationship(r ?? null), setError);
  }, [id, me.id]);

  const relate = async (action: string) => {
    try {
      setRelationship(await api<Relationship>(`/api/v1/accounts/${id}/${action}`, { method: 'POST' }));
      setAccount(await api<Account>(`/api/v1/accounts/${id}`));
    } catch (caught) {
      setError(caught);
    }
  };
  const toggleFollow = () => relate(relationship?.following || relationship?.requested ? 'unfollow' : 'follow');
  const toggleBlock = () => {
    if (relationship?.blocking || confirm(`Block @${account?.acct}? They will no longer follow you or see your posts.`)) void relate(relationship?.blocking ? 'unblock' : 'block');
  };

  if (!account) return error ? <ErrorMessage error={error} /> : <p class="muted">Loading…</p>;
  return (
    <>
      <ViewHeading title={account.display_name || account.username} />
      <section class="profile" aria-label="Profile">
        {account.header && !account.header.endsWith('/missing.png') && <img class="profile-header" src={account.header} alt="" />}
        <div class="profile-top">
          <img class="avatar large" src={account.avatar} alt={`${account.display_name || account.username}'s avatar`} width={96} height={96} />
          <div>
            <p class="profile-name">
              <strong>
                <DisplayName name={account.display_name || account.username} emojis={account.emojis} />
              </strong>
              <br />
              <span class="muted">@{account.acct}</span>
            </p>
            {relationship && !relationship.blocking && (
              <button type="button" class={relationship.following || relationship.requested ? '' : 'primary'} onClick={toggleFollow}>
                {relationship.following ? 'Unfollow' : relationship.requested ? 'Cancel follow request' : account.locked ? 'Request to follow' : 'Follow'}
              </button>
            )}
            {relationship && (
              <span class="row-actions">
                <button type="button" onClick={() => relate(relationship.muting ? 'unmute' : 'mute')}>
                  {relationship.muting ? 'Unmute' : 'Mute'}
                </button>
                <button type="button" class="danger" onClick={toggleBlock}>
                  {relationship.blocking ? 'Unblock' : 'Block'}
                </button>
              </span>
            )}
            {relationship?.followed_by && <span class="badge">Follows you</span>}
            {id === me.id && <Link href="/web/settings/profile">Edit profile</Link>}
          </div>
        </div>
        <SafeHtml class="bio" html={account.note} emojis={account.emojis} />
        <p class="counts muted">
          {account.statuses_count} posts · {account.following_count} following · {account.followers_count} followers
        </p>
        <ErrorMessage error={error} />
      </section>
      <h2>Posts</h2>
      <StatusList endpoint={`/api/v1/accounts/${id}/statuses`} label={`Posts by @${account.acct}`} />
    </>
  );
}

/** `/web/@user` and `/web/@user@domain`, as Mastodon's web app links them. */
export function ProfileByAcct({ acct }: { acct: string }) {
  const [id, setId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Account>(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`).then((account) => setId(account.id), setError);
  }, [acct]);
  if (id) return <Profile id={id} />;
  return error ? <ErrorMessage error={error} /> : <p class="muted">Loading…</p>;
}
