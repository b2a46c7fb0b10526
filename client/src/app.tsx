import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, currentToken, rememberToken } from './api.ts';
import { CALLBACK_PATH, finishSignIn, signIn, signOut } from './auth.ts';
import { Compose } from './components/compose.tsx';
import { ErrorMessage } from './components/error-message.tsx';
import { Link, navigate, useLocation } from './router.tsx';
import { SessionContext, type Session } from './session.ts';
import { onStreamingState, startStreaming, stopStreaming } from './streaming.ts';
import type { Account, Instance } from './types.ts';
import { Blocks, FollowRequests, Mutes } from './views/accounts.tsx';
import { FollowedHashtags, ListTimeline, Lists, SavedStatuses } from './views/collections.tsx';
import { Conversations } from './views/conversations.tsx';
import { EditProfile } from './views/edit-profile.tsx';
import { Filters } from './views/filters.tsx';
import { Notifications } from './views/notifications.tsx';
import { Preferences } from './views/preferences.tsx';
import { Profile, ProfileByAcct } from './views/profile.tsx';
import { Search } from './views/search.tsx';
import { Thread } from './views/thread.tsx';
import { HashtagTimeline, Timeline } from './views/timeline.tsx';

const NAV = [
  { href: '/home', label: 'Home' },
  { href: '/notifications', label: 'Notifications' },
  { href: '/web/public/local', label: 'Local' },
  { href: '/web/public', label: 'Federated' },
  { href: '/web/search', label: 'Search' },
  { href: '/web/conversations', label: 'Direct messages' },
  { href: '/web/lists', label: 'Lists' },
  { href: '/web/bookmarks', label: 'Bookmarks' },
  { href: '/web/favourites', label: 'Favourites' },
  { href: '/web/followed_tags', label: 'Followed hashtags' },
];
const SETTINGS = [
  { href: '/web/settings/profile', label: 'Edit profile' },
  { href: '/web/settings/preferences', label: 'Preferences' },
  { href: '/web/filters', label: 'Filters' },
  { href: '/web/blocks', label: 'Blocked users' },
  { href: '/web/mutes', label: 'Muted users' },
];

/** Mastodon's web paths (and this client's own under /web/) to views. */
function View({ url }: { url: URL }) {
  const path = decodeURIComponent(url.pathname.replace(/\/+$/, '')) || '/';
  let match: RegExpExecArray | null;
  if (path === '/home' || path === '/web' || path === '/web/home') return <Timeline kind="home" />;
  if (path === '/notifications' || path === '/web/notifications') return <Notifications />;
  if (path === '/web/public/local') return <Timeline kind="local" />;
  if (path === '/web/public') return <Timeline kind="public" />;
  if ((match = /^\/web\/tags\/([^/]+)$/.exec(path))) return <HashtagTimeline name={match[1]!} />;
  if ((match = /^\/web\/statuses\/([^/]+)$/.exec(path)) || (match = /^\/web\/@[^/]+\/(\d+)$/.exec(path))) return <Thread id={match[1]!} />;
  if ((match = /^\/web\/accounts\/([^/]+)$/.exec(path))) return <Profile id={match[1]!} />;
  if ((match = /^\/web\/@([^/]+)$/.exec(path))) return <ProfileByAcct acct={match[1]!} />;
  if (path === '/web/bookmarks') return <SavedStatuses kind="bookmarks" />;
  if (path === '/web/favourites') return <SavedStatuses kind="favourites" />;
  if (path === '/web/lists') return <Lists />;
  if (path === '/web/followed_tags') return <FollowedHashtags />;
  if ((match = /^\/web\/lists\/([^/]+)$/.exec(path))) return <ListTimeline id={match[1]!} />;
  if (path === '/web/search') return <Search q={url.searchParams.get('q') ?? ''} />;
  if (path === '/web/settings/profile') return <EditProfile />;
  if (path === '/web/settings/preferences') return <Preferences />;
  if (path === '/web/filters') return <Filters />;
  if (path === '/web/blocks') return <Blocks />;
  if (path === '/web/mutes') return <Mutes />;
  if (path === '/web/follow_requests') return <FollowRequests />;
  if (path === '/web/conversations') return <Conversations />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        This page does not exist. <Link href="/home">Go home</Link>.
      </p>
    </>
  );
}

function StreamingState() {
  const [state, setState] = useState('connecting');
  useEffect(() => onStreamingState(setState), []);
  return (
    <p class={`stream-state ${state}`} role="status">
      {state === 'open' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Connection lost, reconnecting…'}
    </p>
  );
}

function NavLinks({ items, current }: { items: { href: string; label: string }[]; current: string }) {
  return (
    <ul>
      {items.map((item) => (
        <li key={item.href}>
          <Link href={item.href} aria-current={current === item.href ? 'page' : undefined}>
            {item.label}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function SignedIn({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const url = useLocation();
  return (
    <SessionContext.Provider value={session}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="layout">
        <header class="sidebar">
          <p class="brand">
            <a href="/">{session.instance.title}</a>
          </p>
          <nav aria-label="Main">
            <NavLinks items={NAV} current={url.pathname} />
            <ul>
              <li>
                <Link href={`/web/accounts/${session.me.id}`}>My profile</Link>
              </li>
              {session.me.locked && (
                <li>
                  <Link href="/web/follow_requests" aria-current={url.pathname === '/web/follow_requests' ? 'page' : undefined}>
                    Follow requests
                  </Link>
                </li>
              )}
            </ul>
          </nav>
          <nav aria-label="Settings">
            <NavLinks items={SETTINGS} current={url.pathname} />
          </nav>
          <p class="signed-in-as muted">
            Signed in as <strong>@{session.me.acct}</strong>
          </p>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
          <StreamingState />
        </header>
        <aside class="composer" aria-label="Compose">
          <h2 class="visually-hidden">New post</h2>
          <Compose />
        </aside>
        <main id="main">
          <View url={url} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}

let referrerSeen = false;

/** Whether the member just signed in on the instance's own sign-in page (its default return is /home); asked once a page load. */
function fromSignInPage(): boolean {
  if (referrerSeen) return false;
  referrerSeen = true;
  try {
    const referrer = new URL(document.referrer);
    return referrer.origin === location.origin && referrer.pathname === '/auth/sign_in';
  } catch {
    return false;
  }
}

function SignedOut({ title, registrations, error }: { title: string; registrations: boolean; error: unknown }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<unknown>(null);
  const start = () => {
    setBusy(true);
    signIn(location.pathname === CALLBACK_PATH ? '/home' : location.pathname + location.search).catch((caught) => {
      setFailed(caught);
      setBusy(false);
    });
  };
  useEffect(() => {
    document.title = `Sign in · ${title}`;
    // signed in on the instance's page already: straight on to authorizing this client
    if (!error && fromSignInPage()) start();
  }, [title]);
  return (
    <main id="main" class="signed-out">
      <h1>{title}</h1>
      <p>Sign in to read your home timeline, post, and follow people.</p>
      <ErrorMessage error={error || failed} />
      <button type="button" class="primary" disabled={busy} onClick={start}>
        Sign in
      </button>
      {registrations && (
        <p>
          New here? <a href="/auth/sign_up">Create account</a>
        </p>
      )}
      <p>
        <a href="/">About this server</a>
      </p>
    </main>
  );
}

export function App() {
  const [instance, setInstance] = useState<Instance | null>(null);
  const [me, setMe] = useState<Account | null>(null);
  const [signedOut, setSignedOut] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    (async () => {
      const callback = location.pathname === CALLBACK_PATH;
      // the instance and the member are asked for at once (one round trip before the first view)
      const member = !callback && currentToken() ? api<Account>('/api/v1/accounts/verify_credentials') : undefined;
      member?.catch(() => undefined);
      const loaded = await api<Instance>('/api/v2/instance');
      setInstance(loaded);
      if (callback) {
        try {
          navigate(await finishSignIn(location.search), { replace: true });
        } catch (caught) {
          setError(caught);
        }
      }
      if (!currentToken()) return setSignedOut(true);
      try {
        setMe(await (member ?? api<Account>('/api/v1/accounts/verify_credentials')));
        startStreaming(loaded.configuration.urls.streaming);
      } catch (caught) {
        // a revoked or expired token: sign in again
        if (caught instanceof ApiError && caught.status === 401) rememberToken(null);
        else setError(caught);
        setSignedOut(true);
      }
    })().catch(setError);
  }, []);

  if (signedOut || (error && !me)) return <SignedOut title={instance?.title ?? 'Subspace'} registrations={instance?.registrations.enabled ?? false} error={error} />;
  if (!instance || !me) return <p class="loading muted">Loading…</p>;
  return (
    <SignedIn
      session={{ instance, me, setMe }}
      onSignOut={async () => {
        stopStreaming();
        await signOut();
        setMe(null);
        setSignedOut(true);
        navigate('/home', { replace: true });
      }}
    />
  );
}
