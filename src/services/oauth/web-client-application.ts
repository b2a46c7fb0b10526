import { and, asc, eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { oauthApplications } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import type { ApplicationRow } from './authenticate-token.ts';

export const WEB_CLIENT_NAME = 'Web';
export const WEB_CLIENT_CALLBACK_PATH = '/web/oauth/callback';
const WEB_CLIENT_SCOPES = 'read write follow push';

/**
 * The instance's own web client, as Mastodon's "Web" superapp: a row the server creates and owns
 * (`superapp` cannot be set through POST /api/v1/apps), so the authorize endpoint may skip the
 * consent page for it alone. It is a public client: its id is given to the page, it has no usable
 * secret, and its codes need PKCE.
 */
export async function webClientApplication(ctx: AppContext): Promise<ApplicationRow> {
  const redirectUri = `${baseUrl(ctx.config)}${WEB_CLIENT_CALLBACK_PATH}`;
  const existing = await firstWebClientRow(ctx);
  if (existing) {
    if (existing.redirectUris.length === 1 && existing.redirectUris[0] === redirectUri && existing.scopes === WEB_CLIENT_SCOPES) return existing;
    // the instance's address (or the client's scopes) changed since the row was made
    const [updated] = await ctx.db
      .update(oauthApplications)
      .set({ redirectUris: [redirectUri], scopes: WEB_CLIENT_SCOPES })
      .where(eq(oauthApplications.id, existing.id))
      .returning();
    return updated!;
  }
  const [created] = await ctx.db
    .insert(oauthApplications)
    .values({
      name: WEB_CLIENT_NAME,
      uid: randomToken(),
      // a secret nobody is told: the client authenticates by PKCE alone
      secretDigest: digest(randomToken()),
      redirectUris: [redirectUri],
      scopes: WEB_CLIENT_SCOPES,
      website: baseUrl(ctx.config),
      superapp: true,
    })
    .returning();
  // two processes that made one at the same moment keep the first
  const first = (await firstWebClientRow(ctx))!;
  if (first.id !== created!.id) await ctx.db.delete(oauthApplications).where(eq(oauthApplications.id, created!.id));
  return first;
}

async function firstWebClientRow(ctx: AppContext): Promise<ApplicationRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(oauthApplications)
    .where(and(eq(oauthApplications.superapp, true), eq(oauthApplications.name, WEB_CLIENT_NAME)))
    .orderBy(asc(oauthApplications.id))
    .limit(1);
  return row;
}

/** Whether this application is the instance's own web client (a public, first-party client). */
export function isWebClientApplication(app: ApplicationRow): boolean {
  return app.superapp && app.name === WEB_CLIENT_NAME;
}
