import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { StatusList } from '../components/status-list.tsx';
import type { Tag } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

export type TimelineKind = 'home' | 'local' | 'public';

const TIMELINES = {
  home: { title: 'Home', endpoint: '/api/v1/timelines/home', stream: 'user' },
  local: { title: 'Local timeline', endpoint: '/api/v1/timelines/public?local=true', stream: 'public:local' },
  public: { title: 'Federated timeline', endpoint: '/api/v1/timelines/public', stream: 'public' },
} as const;

export function Timeline({ kind }: { kind: TimelineKind }) {
  const timeline = TIMELINES[kind];
  return (
    <>
      <ViewHeading title={timeline.title} />
      <StatusList endpoint={timeline.endpoint} live={{ stream: timeline.stream }} label={timeline.title} />
    </>
  );
}

/** A hashtag's timeline, live, with following the hashtag (its posts then come into the home feed). */
export function HashtagTimeline({ name }: { name: string }) {
  const [tag, setTag] = useState<Tag | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setTag(null);
    api<Tag>(`/api/v1/tags/${encodeURIComponent(name)}`).then(setTag, () => setTag({ name, url: '', following: false }));
  }, [name]);
  const toggle = async () => {
    try {
      setTag(await api<Tag>(`/api/v1/tags/${encodeURIComponent(name)}/${tag?.following ? 'unfollow' : 'follow'}`, { method: 'POST' }));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <ViewHeading title={`#${name}`}>
        {tag && (
          <button type="button" class={tag.following ? '' : 'primary'} onClick={toggle}>
            {tag.following ? 'Unfollow hashtag' : 'Follow hashtag'}
          </button>
        )}
      </ViewHeading>
      <ErrorMessage error={error} />
      <StatusList endpoint={`/api/v1/timelines/tag/${encodeURIComponent(name)}`} live={{ stream: 'hashtag', tag: name }} label={`Posts tagged #${name}`} />
    </>
  );
}
