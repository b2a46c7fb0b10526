import { randomBytes } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { webhooks, type WebhookRow } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { rowById } from '../../db/row-by-id.ts';

export type { WebhookRow };

/** The events an admin may subscribe an endpoint to (Mastodon's Webhook::EVENTS, with report.updated). */
export const WEBHOOK_EVENTS = ['account.approved', 'account.created', 'account.updated', 'report.created', 'report.updated', 'status.created', 'status.updated'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export function isWebhookEvent(value: string): value is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value);
}

export interface WebhookInput {
  url?: string;
  events?: string[];
  /** at least 12 characters; a random one (40 hex digits) when none is given */
  secret?: string;
  enabled?: boolean;
}

function validUrl(value: string | undefined): string {
  if (!value?.trim()) throw validationFailed(["Url can't be blank"]);
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    throw validationFailed(['Url is not a valid URL']);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw validationFailed(['Url is not a valid URL']);
  return parsed.toString();
}

function validEvents(values: string[] | undefined): WebhookEvent[] {
  const events = [...new Set((values ?? []).map((value) => value.trim()).filter(Boolean))];
  if (events.length === 0) throw validationFailed(["Events can't be blank"]);
  const unknown = events.filter((event) => !isWebhookEvent(event));
  if (unknown.length > 0) throw validationFailed([`Events is invalid: ${unknown.join(', ')}`]);
  return events as WebhookEvent[];
}

function validSecret(value: string | undefined): string {
  if (value === undefined || value === '') return randomBytes(20).toString('hex');
  if (value.length < 12) throw validationFailed(['Secret is too short (minimum is 12 characters)']);
  return value;
}

/** Which events some enabled webhook wants, kept in the shared cache: asked each time a status is posted. */
const SUBSCRIBED_KEY = 'webhooks:subscribed_events';
/** a backstop: every change through the service forgets the list at once */
const SUBSCRIBED_TTL_SECONDS = 3600;

async function forgetSubscriptions(ctx: AppContext): Promise<void> {
  await ctx.cache.del(SUBSCRIBED_KEY);
}

/** Whether any enabled webhook is subscribed to `event` (cached until a webhook changes). */
export async function hasSubscribers(ctx: AppContext, event: WebhookEvent): Promise<boolean> {
  let cached = await ctx.cache.get(SUBSCRIBED_KEY);
  if (cached === null) {
    const rows = await ctx.db.select({ events: webhooks.events }).from(webhooks).where(eq(webhooks.enabled, true));
    cached = JSON.stringify([...new Set(rows.flatMap((row) => row.events))]);
    await ctx.cache.set(SUBSCRIBED_KEY, cached, SUBSCRIBED_TTL_SECONDS);
  }
  return (JSON.parse(cached) as string[]).includes(event);
}

export async function createWebhook(ctx: AppContext, input: WebhookInput): Promise<WebhookRow> {
  const values = { url: validUrl(input.url), events: validEvents(input.events), secret: validSecret(input.secret), enabled: input.enabled ?? true };
  const [created] = await ctx.db.insert(webhooks).values(values).onConflictDoNothing().returning();
  if (!created) throw validationFailed(['Url has already been taken']);
  await forgetSubscriptions(ctx);
  return created;
}

export function findWebhook(ctx: AppContext, id: string): Promise<WebhookRow> {
  return rowById(ctx.db, webhooks, id);
}

export async function listWebhooks(ctx: AppContext): Promise<WebhookRow[]> {
  return ctx.db.select().from(webhooks).orderBy(asc(webhooks.id));
}

/** Changes a webhook's URL, events, secret or state; what is not given stays. */
export async function updateWebhook(ctx: AppContext, id: string, input: WebhookInput): Promise<WebhookRow> {
  const webhook = await findWebhook(ctx, id);
  const url = input.url === undefined ? undefined : validUrl(input.url);
  if (url && url !== webhook.url && (await ctx.db.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.url, url))).length > 0) {
    throw validationFailed(['Url has already been taken']);
  }
  const [updated] = await ctx.db
    .update(webhooks)
    .set({
      url,
      events: input.events === undefined ? undefined : validEvents(input.events),
      secret: input.secret === undefined ? undefined : validSecret(input.secret),
      enabled: input.enabled,
      updatedAt: new Date(),
    })
    .where(eq(webhooks.id, webhook.id))
    .returning();
  await forgetSubscriptions(ctx);
  return updated!;
}

/** Webhook#rotate_secret!: a new random secret. */
export async function rotateWebhookSecret(ctx: AppContext, id: string): Promise<WebhookRow> {
  return updateWebhook(ctx, id, { secret: randomBytes(20).toString('hex') });
}

export async function removeWebhook(ctx: AppContext, id: string): Promise<void> {
  const webhook = await findWebhook(ctx, id);
  await ctx.db.delete(webhooks).where(eq(webhooks.id, webhook.id));
  await forgetSubscriptions(ctx);
}

/** The enabled webhooks subscribed to `event`. */
export async function webhooksFor(ctx: AppContext, event: WebhookEvent): Promise<WebhookRow[]> {
  const rows = await ctx.db.select().from(webhooks).where(eq(webhooks.enabled, true));
  return rows.filter((row) => row.events.includes(event));
}
