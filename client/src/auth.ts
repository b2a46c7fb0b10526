import { api, currentToken, rememberToken } from './api.ts';

/**
 * Signing in as any Mastodon app does: the client registers itself (once per browser), sends the
 * member to the instance's /oauth/authorize with PKCE (S256), and trades the code for a token at its
 * callback. The token stays in localStorage; signing out revokes it.
 */
const APP_KEY = 'subspace.app';
const PENDING_KEY = 'subspace.pending-sign-in';
const SCOPES = 'read write follow';
export const CALLBACK_PATH = '/web/oauth/callback';

interface RegisteredApp {
  client_id: string;
  client_secret: string;
  redirect_uri: string;
}

const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

async function registeredApp(): Promise<RegisteredApp> {
  const saved = localStorage.getItem(APP_KEY);
  const app = saved ? (JSON.parse(saved) as RegisteredApp) : undefined;
  if (app && app.redirect_uri === redirectUri()) return app;
  const created = await api<{ client_id: string; client_secret: string }>('/api/v1/apps', {
    method: 'POST',
    body: { client_name: 'Subspace Web', redirect_uris: redirectUri(), scopes: SCOPES, website: location.origin },
  });
  const registered = { client_id: created.client_id, client_secret: created.client_secret, redirect_uri: redirectUri() };
  localStorage.setItem(APP_KEY, JSON.stringify(registered));
  return registered;
}

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Sends the browser to the instance's sign-in and consent page. */
export async function signIn(returnTo: string) {
  const app = await registeredApp();
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: app.client_id,
    redirect_uri: app.redirect_uri,
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
  const app = await registeredApp();
  const token = await api<{ access_token: string }>('/oauth/token', {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.redirect_uri,
      client_id: app.client_id,
      client_secret: app.client_secret,
      code_verifier: pending.verifier,
    }),
  });
  rememberToken(token.access_token);
  return pending.returnTo;
}

/** Revokes the token at the instance and forgets it here (forgotten even if the instance cannot be reached). */
export async function signOut() {
  const token = currentToken();
  const saved = localStorage.getItem(APP_KEY);
  rememberToken(null);
  if (!token || !saved) return;
  const app = JSON.parse(saved) as RegisteredApp;
  await api('/oauth/revoke', { method: 'POST', body: new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, token }) }).catch(() => undefined);
}
