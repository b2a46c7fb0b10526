import { api, currentToken, rememberToken } from './api.ts';

/**
 * Signing in through the instance's own OAuth flow: the page names the instance's first-party
 * application (a public client, authorized without a consent page), the member is sent to
 * /oauth/authorize with PKCE (S256), and the code is traded for a token at the callback. The token
 * stays in localStorage; signing out revokes it.
 */
const PENDING_KEY = 'subspace.pending-sign-in';
const SCOPES = 'read write follow push';
export const CALLBACK_PATH = '/web/oauth/callback';

const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

function clientId(): string {
  const id = document.querySelector<HTMLMetaElement>('meta[name="subspace-client-id"]')?.content;
  if (!id) throw new Error('This page does not name its OAuth application: reload it from the instance.');
  return id;
}

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Sends the browser to the instance's sign-in page (the instance asks no consent of its own client). */
export async function signIn(returnTo: string) {
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: clientId(),
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`/oauth/authorize?${params}`);
}

/** At the callback: checks the state, trades the code for a token, and says where to go next. */
export async function finishSignIn(search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (params.get('error')) throw new Error(params.get('error_description') ?? params.get('error')!);
  const code = params.get('code');
  if (!pending || !code || params.get('state') !== pending.state) throw new Error('This sign-in was not started here, or has expired. Please sign in again.');
  const token = await api<{ access_token: string }>('/oauth/token', {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: clientId(),
      code_verifier: pending.verifier,
    }),
  });
  rememberToken(token.access_token);
  // the app (and its secret) that earlier versions of this client registered for each browser
  localStorage.removeItem('subspace.app');
  return pending.returnTo;
}

/** Revokes the token at the instance and forgets it here (forgotten even if the instance cannot be reached). */
export async function signOut() {
  const token = currentToken();
  rememberToken(null);
  if (!token) return;
  await api('/oauth/revoke', { method: 'POST', body: new URLSearchParams({ client_id: clientId(), token }) }).catch(() => undefined);
}
