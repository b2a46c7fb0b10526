import { useEffect } from 'preact/hooks';
import { api } from '../api.ts';
import { AccountRow } from '../components/account-row.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { ListFooter } from '../components/list-footer.tsx';
import { usePagedList } from '../components/paged-list.ts';
import type { Account } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

interface Action {
  label: string;
  /** the endpoint to POST to for this account */
  path: (id: string) => string;
  danger?: boolean;
}

/** A paginated list of accounts, each with actions that take it off the list once done. */
function AccountsView({ title, endpoint, actions, emptyText }: { title: string; endpoint: string; actions: Action[]; emptyText: string }) {
  const { items: accounts, setItems: setAccounts, next, loading, error, setError, load } = usePagedList<Account>();
  useEffect(() => void load(endpoint, false), [endpoint]);
  const act = async (action: Action, account: Account) => {
    try {
      await api(action.path(account.id), { method: 'POST' });
      setAccounts((list) => list.filter((a) => a.id !== account.id));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <ViewHeading title={title} />
      <ErrorMessage error={error} />
      <section aria-label={title} aria-busy={loading}>
        <ul class="account-list">
          {accounts.map((account) => (
            <AccountRow key={account.id} account={account}>
              {actions.map((action) => (
                <button key={action.label} type="button" class={action.danger ? 'danger' : undefined} aria-label={`${action.label} @${account.acct}`} onClick={() => act(action, account)}>
                  {action.label}
                </button>
              ))}
            </AccountRow>
          ))}
        </ul>
        <ListFooter empty={accounts.length === 0 && !error} loading={loading} next={next} onMore={(url) => load(url, true)} emptyText={emptyText} moreText="Load more" />
      </section>
    </>
  );
}

export function FollowRequests() {
  return (
    <AccountsView
      title="Follow requests"
      endpoint="/api/v1/follow_requests"
      emptyText="No one asks to follow you."
      actions={[
        { label: 'Accept', path: (id) => `/api/v1/follow_requests/${id}/authorize` },
        { label: 'Reject', path: (id) => `/api/v1/follow_requests/${id}/reject`, danger: true },
      ]}
    />
  );
}

export function Blocks() {
  return <AccountsView title="Blocked users" endpoint="/api/v1/blocks" emptyText="You have not blocked anyone." actions={[{ label: 'Unblock', path: (id) => `/api/v1/accounts/${id}/unblock` }]} />;
}

export function Mutes() {
  return <AccountsView title="Muted users" endpoint="/api/v1/mutes" emptyText="You have not muted anyone." actions={[{ label: 'Unmute', path: (id) => `/api/v1/accounts/${id}/unmute` }]} />;
}
