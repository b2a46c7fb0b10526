import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, users } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import { validationFailed } from '../../lib/errors.ts';
import { ConfirmationMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';
import { hashPassword } from './passwords.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';
import { isRole, type RoleName } from './roles.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Names Mastodon keeps back from sign-up (ReservedUsernameValidator), plus the instance actor's. */
const RESERVED_USERNAMES = new Set(['admin', 'support', 'help', 'root', 'webmaster', 'administrator', 'mod', 'moderator', 'actor', 'instance', 'postmaster', 'abuse']);

export const USERNAME_PATTERN = /^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$/i;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewLocalAccount {
  username: string;
  email: string;
  password: string;
  role?: RoleName | null;
  confirmed?: boolean;
  approved?: boolean;
  locale?: string | null;
  reason?: string | null;
  signUpIp?: string | null;
  /** the invite signed up with */
  inviteId?: string | null;
  /** the app that signed the member up (`POST /api/v1/accounts`), which alone may resend the confirmation mail */
  applicationId?: string | null;
  /** what the sign-up checks found wrong with the e-mail address (blocked, unreachable), reported with the other errors */
  emailErrors?: { error: string; description: string }[];
  /** the CLI may take reserved names; sign-ups may not */
  allowReserved?: boolean;
}

type Details = Record<string, { error: string; description: string }[]>;

function addDetail(details: Details, field: string, error: string, description: string) {
  (details[field] ??= []).push({ error, description });
}

/** Devise's password length rule (8 to 72 characters), for sign-ups and password resets. */
export function passwordProblem(password: string): { error: string; description: string } | null {
  if (!password) return { error: 'ERR_BLANK', description: "can't be blank" };
  if (password.length < 8) return { error: 'ERR_TOO_SHORT', description: 'is too short (minimum is 8 characters)' };
  if (password.length > 72) return { error: 'ERR_TOO_LONG', description: 'is too long (maximum is 72 characters)' };
  return null;
}

const HUMAN_FIELD: Record<string, string> = { username: 'Username', email: 'E-mail', password: 'Password', role: 'Role' };

async function validate(ctx: AppContext, input: NewLocalAccount): Promise<void> {
  const details: Details = {};
  const username = input.username;
  if (!username) addDetail(details, 'username', 'ERR_BLANK', "can't be blank");
  else if (username.length > 30) addDetail(details, 'username', 'ERR_TOO_LONG', 'is too long (maximum is 30 characters)');
  else if (!USERNAME_PATTERN.test(username)) addDetail(details, 'username', 'ERR_INVALID', 'must contain only letters, numbers, underscores and dots');
  else if (!input.allowReserved && RESERVED_USERNAMES.has(username.toLowerCase())) addDetail(details, 'username', 'ERR_RESERVED', 'is reserved');
  if (!input.email) addDetail(details, 'email', 'ERR_BLANK', "can't be blank");
  else if (input.email.length > 320 || !EMAIL_PATTERN.test(input.email)) addDetail(details, 'email', 'ERR_INVALID', 'is invalid');
  if (!details.email) for (const problem of input.emailErrors ?? []) addDetail(details, 'email', problem.error, problem.description);
  const passwordError = passwordProblem(input.password);
  if (passwordError) addDetail(details, 'password', passwordError.error, passwordError.description);
  if (input.role && !isRole(input.role)) addDetail(details, 'role', 'ERR_INVALID', 'is not a known role');

  if (!details.username) {
    const taken = await queryRows(ctx.db, sql`SELECT 1 FROM accounts WHERE lower(username) = lower(${username}) AND domain IS NULL LIMIT 1`);
    if (taken.length > 0) addDetail(details, 'username', 'ERR_TAKEN', 'is already taken');
  }
  if (!details.email) {
    const taken = await queryRows(ctx.db, sql`SELECT 1 FROM users WHERE lower(email) = lower(${input.email}) LIMIT 1`);
    if (taken.length > 0) addDetail(details, 'email', 'ERR_TAKEN', 'is already taken');
  }
  const fields = Object.keys(details);
  if (fields.length > 0) {
    throw validationFailed(
      fields.flatMap((field) => details[field]!.map((d) => `${HUMAN_FIELD[field] ?? field} ${d.description}`)),
      details,
    );
  }
}

/**
 * Creates a local account and its user: validated, with an RSA key pair for federation, in one
 * transaction. An unconfirmed user gets a confirmation mail through the `mailers` queue.
 */
export async function createLocalAccount(ctx: AppContext, input: NewLocalAccount): Promise<{ user: UserRow; account: AccountRow }> {
  await validate(ctx, input);
  const [keys, encryptedPassword] = await Promise.all([
    generateKeyPairAsync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }),
    hashPassword(input.password),
  ]);
  const base = baseUrl(ctx.config);
  const confirmationToken = input.confirmed ? null : randomToken();
  const created = await ctx.db.transaction(async (tx) => {
    const [account] = await tx
      .insert(accounts)
      .values({
        username: input.username,
        uri: `${base}/users/${input.username}`,
        url: `${base}/@${input.username}`,
        publicKeyPem: keys.publicKey,
        privateKeyPem: keys.privateKey,
        discoverable: null,
      })
      .returning();
    const [user] = await tx
      .insert(users)
      .values({
        accountId: account!.id,
        email: input.email,
        encryptedPassword,
        role: input.role ?? null,
        confirmedAt: input.confirmed ? new Date() : null,
        confirmationTokenDigest: confirmationToken ? digest(confirmationToken) : null,
        confirmationSentAt: confirmationToken ? new Date() : null,
        approved: input.approved ?? true,
        locale: input.locale ?? null,
        inviteRequestText: input.reason ?? null,
        signUpIp: input.signUpIp ?? null,
        inviteId: input.inviteId ?? null,
        createdByApplicationId: input.applicationId ?? null,
      })
      .returning();
    return { user: user!, account: account! };
  });
  if (confirmationToken) await enqueue(ctx, ConfirmationMail, { userId: created.user.id, token: confirmationToken });
  await triggerWebhook(ctx, 'account.created', created.account.id);
  return created;
}
