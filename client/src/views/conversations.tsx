import { useEffect } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { ListFooter } from '../components/list-footer.tsx';
import { usePagedList } from '../components/paged-list.ts';
import { replaceStatus, StatusCard } from '../components/status.tsx';
import { subscribe } from '../streaming.ts';
import type { Conversation } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

/** Direct messages (/api/v1/conversations), newest first, live from the `direct` stream; opening the view marks them read. */
export function Conversations() {
  const {
    items: conversations,
    setItems: setConversations,
    next,
    loading,
    error,
    load,
  } = usePagedList<Conversation>((page) => {
    // seen here: read
    for (const conversation of page) if (conversation.unread) void api(`/api/v1/conversations/${conversation.id}/read`, { method: 'POST' }).catch(() => undefined);
  });
  useEffect(() => {
    void load('/api/v1/conversations', false);
    return subscribe({
      stream: 'direct',
      onEvent: ({ event, payload }) => {
        if (event !== 'conversation') return;
        const conversation = payload as Conversation;
        setConversations((list) => [conversation, ...list.filter((c) => c.id !== conversation.id)]);
      },
      onReconnect: () => void load('/api/v1/conversations', false),
    });
  }, []);
  return (
    <>
      <ViewHeading title="Direct messages" />
      <ErrorMessage error={error} />
      <section class="status-list" aria-label="Conversations" aria-busy={loading}>
        {conversations.map((conversation) => (
          <section key={conversation.id} class="conversation" aria-label={`With ${conversation.accounts.map((a) => `@${a.acct}`).join(', ')}`}>
            <p class="muted">
              With {conversation.accounts.map((a) => `@${a.acct}`).join(', ') || 'yourself'}
              {conversation.unread ? ' · unread' : ''}
            </p>
            {conversation.last_status && (
              <StatusCard
                status={conversation.last_status}
                onChange={(changed) => setConversations((list) => list.map((c) => (c.id === conversation.id ? { ...c, last_status: replaceStatus([c.last_status!], changed)[0]! } : c)))}
                onDelete={() => setConversations((list) => list.filter((c) => c.id !== conversation.id))}
              />
            )}
          </section>
        ))}
        <ListFooter
          empty={conversations.length === 0 && !error}
          loading={loading}
          next={next}
          onMore={(url) => load(url, true)}
          emptyText="No direct messages yet. Post with “Mentioned people only” to start one."
          moreText="Load older conversations"
        />
      </section>
    </>
  );
}
