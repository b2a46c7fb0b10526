import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../../src/context.ts';
import { type StatusRow, statuses } from '../../src/db/schema.ts';
import { AS, BASE, PUBLIC } from './constants.ts';
import type { FakeRemote } from './fake-remote.ts';
import { until } from './until.ts';

export interface RemoteObject {
  id: string;
  to?: unknown;
  cc?: unknown;
  [key: string]: unknown;
}

/** A public Note of the remote's bob at `id`, as his server describes it; `values` add or replace its fields. */
export function remoteNote(remote: FakeRemote, id: string, values: Record<string, unknown> = {}): RemoteObject {
  return { id, type: 'Note', attributedTo: remote.actorId, content: '<p>hello</p>', published: new Date().toISOString(), to: [PUBLIC], cc: [`${remote.actorId}/followers`], ...values };
}

/** Waits until the status with this URI is stored, and returns its row. */
export function storedStatus(ctx: AppContext, uri: string, timeoutMs?: number): Promise<StatusRow> {
  return until(
    () =>
      ctx.db
        .select()
        .from(statuses)
        .where(eq(statuses.uri, uri))
        .then((rows) => rows[0]),
    `status ${uri} to be stored`,
    timeoutMs,
  );
}

/** Delivers `object` in a signed `Create` from bob to the instance's shared inbox, and waits until it is stored. */
export async function receiveStatus(instance: { url: string; ctx: AppContext }, remote: FakeRemote, object: RemoteObject, options: { context?: unknown; timeoutMs?: number } = {}): Promise<StatusRow> {
  const response = await remote.postSigned(instance.url, `${BASE}/inbox`, remoteCreate(remote, object, options.context));
  assert.equal(response.status, 202, response.text);
  return storedStatus(instance.ctx, object.id, options.timeoutMs);
}

/** A signed-ready `Create` of `object` by the remote's bob, addressed as the object is. */
export function remoteCreate(remote: FakeRemote, object: RemoteObject, context: unknown = AS) {
  return { '@context': context, id: `${object.id}/activity`, type: 'Create', actor: remote.actorId, published: object.published, to: object.to, cc: object.cc, object };
}
