import type { AppContext } from '../context.ts';
import { renderStatuses } from './statuses.ts';
import type { StatusRow } from '../serializers/status.ts';

export async function renderMarkedStatuses(ctx: AppContext, viewerId: string, rows: StatusRow[]) {
  return renderStatuses(ctx, rows, { viewerId });
}
