import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { oauthApplications } from '../../db/schema.ts';
import { digest, randomToken, safeEqual } from '../../lib/crypto.ts';
import { validationFailed } from '../../lib/errors.ts';
import { parseScopes, unknownScopes } from './scopes.ts';
import type { ApplicationRow } from './authenticate-token.ts';

export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob';

export interface NewApplication {
  name: string;
  redirectUris: string[];
  scopes?: string;
  website?: string | null;
  ownerAccountId?: string | null;
}

function validRedirectUri(uri: string): boolean {
  if (uri === OOB_REDIRECT_URI) return true;
  try {
    const parsed = new URL(uri);
    // custom schemes (`myapp://callback`) are how mobile apps receive the code
    return parsed.protocol !== 'javascript:' && parsed.protocol !== 'data:' && !parsed.hash;
  } catch {
    return false;
  }
}

function validWebsite(website: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(website).protocol);
  } catch {
    return false;
  }
}

/** Registers an OAuth client (`POST /api/v1/apps`); the secret is shown once and stored as a digest. */
export async function createApplication(ctx: AppContext, input: NewApplication) {
  const name = input.name.trim();
  const scopes = parseScopes(input.scopes);
  const problems: string[] = [];
  if (!name) problems.push("Application name can't be blank");
  if (name.length > 60) problems.push('Application name is too long (maximum is 60 characters)');
  if (input.redirectUris.length === 0) problems.push("Redirect URI can't be blank");
  if (input.redirectUris.some((uri) => uri.length > 2000 || !validRedirectUri(uri))) problems.push('Redirect URI must be an absolute URI.');
  if (input.website && (input.website.length > 2000 || !validWebsite(input.website))) problems.push('Website is invalid');
  if (unknownScopes(scopes).length > 0) problems.push('Scopes must be a list of valid scopes');
  if (problems.length > 0) throw validationFailed(problems);

  const clientSecret = randomToken();
  const [app] = await ctx.db
    .insert(oauthApplications)
    .values({
      name,
      uid: randomToken(),
      secretDigest: digest(clientSecret),
      redirectUris: input.redirectUris,
      scopes: scopes.join(' '),
      website: input.website || null,
      ownerAccountId: input.ownerAccountId ?? null,
    })
    .returning();
  return { app: app!, clientSecret };
}

export async function findApplication(ctx: AppContext, clientId: string): Promise<ApplicationRow | undefined> {
  const [app] = await ctx.db.select().from(oauthApplications).where(eq(oauthApplications.uid, clientId)).limit(1);
  return app;
}

/** The application whose id and secret these are, or undefined. */
export async function authenticateClient(ctx: AppContext, clientId: string, clientSecret: string) {
  const app = await findApplication(ctx, clientId);
  return app && safeEqual(app.secretDigest, digest(clientSecret)) ? app : undefined;
}
