import { useEffect, useState } from 'preact/hooks';
import { apiPage } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { ListFooter } from '../components/list-footer.tsx';
import { StatusCard } from '../components/status.tsx';
import { Link } from '../router.tsx';
import { DisplayName } from '../sanitize.tsx';
import { subscribe } from '../streaming.ts';
import type { Account, GroupedNotifications, Notification, NotificationGroup, Status } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

/**
 * Grouped notifications (/api/v2/notifications): "Bob and 2 others favourited your post". A new
 * notification from the stream joins its group (same `group_key`), which moves to the top.
 */
const VERBS: Record<string, string> = {
  favourite: 'favourited your post',
  reblog: 'boosted your post',
  follow: 'followed you',
  follow_request: 'asked to follow you',
  mention: 'mentioned you',
  poll: 'ran a poll that has ended',
  status: 'posted',
  update: 'edited a post',
  move: 'moved to a new account',
};

interface Groups {
  groups: NotificationGroup[];
  accounts: Map<string, Account>;
  statuses: Map<string, Status>;
}

function merge(current: Groups, notification: Notification): Groups {
  const key = notification.group_key ?? `ungrouped-${notification.id}`;
  const existing = current.groups.find((group) => group.group_key === key);
  const accounts = new Map(current.accounts).set(notification.account.id, notification.account);
  const statuses = new Map(current.statuses);
  if (notification.status) statuses.set(notification.status.id, notification.status);
  const group: NotificationGroup = existing
    ? {
        ...existing,
        notifications_count: existing.notifications_count + 1,
        most_recent_notification_id: notification.id,
        sample_account_ids: [notification.account.id, ...existing.sample_account_ids.filter((id) => id !== notification.account.id)],
      }
    : {
        group_key: key,
        type: notification.type,
        notifications_count: 1,
        most_recent_notification_id: notification.id,
        sample_account_ids: [notification.account.id],
        status_id: notification.status?.id ?? null,
      };
  return { accounts, statuses, groups: [group, ...current.groups.filter((g) => g.group_key !== key)] };
}

function who(group: NotificationGroup, accounts: Map<string, Account>) {
  const first = accounts.get(group.sample_account_ids[0]!);
  const others = group.notifications_count - 1;
  return (
    <>
      {first ? (
        <Link href={`/web/accounts/${first.id}`}>
          <strong>
            <DisplayName name={first.display_name || first.username} emojis={first.emojis} />
          </strong>
        </Link>
      ) : (
        'Someone'
      )}
      {others > 0 && ` and ${others} ${others === 1 ? 'other' : 'others'}`}
    </>
  );
}

export function Notifications() {
  const [data, setData] = useState<Groups>({ groups: [], accounts: new Map(), statuses: new Map() });
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = async (url: string, append: boolean) => {
    setLoading(true);
    try {
      const page = await apiPage<GroupedNotifications>(url);
      setData((current) => {
        const base = append ? current : { groups: [], accounts: new Map(), statuses: new Map() };
        const accounts = new Map(base.accounts);
        for (const account of page.data.accounts) accounts.set(account.id, account);
        const statuses = new Map(base.statuses);
        for (const status of page.data.statuses) statuses.set(status.id, status);
        const known = new Set(base.groups.map((g) => g.group_key));
        return { accounts, statuses, groups: [...base.groups, ...page.data.notification_groups.filter((g) => !known.has(g.group_key))] };
      });
      setNext(page.next);
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load('/api/v2/notifications', false);
    return subscribe({
      stream: 'user:notification',
      onEvent: ({ event, payload }) => {
        if (event === 'notification') setData((current) => merge(current, payload as Notification));
      },
      onReconnect: () => void load('/api/v2/notifications', false),
    });
  }, []);

  const changeStatus = (status: Status) => setData((current) => ({ ...current, statuses: new Map(current.statuses).set(status.id, status) }));

  return (
    <>
      <ViewHeading title="Notifications" />
      <ErrorMessage error={error} />
      <section class="notifications" aria-label="Notifications" aria-busy={loading}>
        {data.groups.map((group) => {
          const status = group.status_id ? data.statuses.get(group.status_id) : undefined;
          const compact = status && group.type !== 'mention' && group.type !== 'status';
          return (
            <article class={`notification notification-${group.type}`} key={group.group_key} data-group-key={group.group_key} aria-label={`Notification: ${group.type}`}>
              {group.type !== 'mention' && (
                <p class="notification-summary">
                  {who(group, data.accounts)} {VERBS[group.type] ?? group.type}
                </p>
              )}
              {status &&
                (compact ? (
                  <blockquote class="muted">
                    <Link href={`/web/statuses/${status.id}`}>
                      {status.spoiler_text || new DOMParser().parseFromString(status.content, 'text/html').body.textContent?.slice(0, 200) || 'your post'}
                    </Link>
                  </blockquote>
                ) : (
                  <StatusCard status={status} onChange={changeStatus} onDelete={() => setData((current) => ({ ...current, groups: current.groups.filter((g) => g !== group) }))} />
                ))}
            </article>
          );
        })}
        <ListFooter empty={data.groups.length === 0 && !error} loading={loading} next={next} onMore={(url) => load(url, true)} emptyText="No notifications yet." moreText="Load older notifications" />
      </section>
    </>
  );
}
