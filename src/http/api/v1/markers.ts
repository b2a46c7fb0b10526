import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { type MarkerRow, markersOf, saveMarker } from '../../../services/accounts/markers.ts';
import { validationFailed } from '../../../lib/errors.ts';
import { listParam } from '../../params.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';
import { isRowId } from '../../../lib/ids.ts';

const TIMELINES = ['home', 'notifications'] as const;

function renderMarkers(rows: MarkerRow[]) {
  return Object.fromEntries(rows.map((row) => [row.timeline, { last_read_id: row.lastReadId, version: row.lockVersion, updated_at: row.updatedAt.toISOString() }]));
}

/** `/api/v1/markers`: where the member stopped reading their home timeline and notifications. */
export function markersRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/markers', { preHandler: authorize({ scopes: ['read', 'read:statuses'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const timelines = listParam(params(request).timeline).filter((t) => (TIMELINES as readonly string[]).includes(t));
    if (timelines.length === 0) return {};
    const rows = await markersOf(ctx, account.id, timelines);
    return renderMarkers(rows);
  });

  app.post('/api/v1/markers', { preHandler: authorize({ scopes: ['write', 'write:statuses'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const input = params(request);
    const changes: [string, string][] = [];
    for (const timeline of TIMELINES) {
      const given = input[timeline];
      if (!given || typeof given !== 'object' || Array.isArray(given)) continue;
      const lastReadId = text((given as Record<string, unknown>).last_read_id)?.trim();
      if (!isRowId(lastReadId)) throw validationFailed(["Last read can't be blank"]);
      changes.push([timeline, BigInt(lastReadId).toString()]);
    }
    const saved: MarkerRow[] = [];
    for (const [timeline, lastReadId] of changes) saved.push(await saveMarker(ctx, account.id, timeline, lastReadId));
    return renderMarkers(saved);
  });
}
