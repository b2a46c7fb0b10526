import type { ApplicationRow } from '../db/schema.ts';
import { parseScopes } from '../lib/scopes.ts';

/** Mastodon's Application entity (REST::ApplicationSerializer); `vapid_key` (deprecated there) is the instance's Web Push key. */
export function serializeApplication(app: ApplicationRow, vapidKey: string) {
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: parseScopes(app.scopes),
    redirect_uri: app.redirectUris.join('\n'),
    redirect_uris: app.redirectUris,
    vapid_key: vapidKey,
  };
}

/** What `POST /api/v1/apps` answers: the application with its client credentials, shown this once. */
export function serializeCredentialApplication(app: ApplicationRow, clientSecret: string, vapidKey: string) {
  return { ...serializeApplication(app, vapidKey), client_id: app.uid, client_secret: clientSecret, client_secret_expires_at: 0 };
}
