import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { renderScheduledStatus, renderScheduledStatuses } from '../../../presenters/scheduled-statuses.ts';
import { cancelScheduledStatus, findScheduledStatus, listScheduledStatuses, rescheduleStatus } from '../../../services/statuses/scheduled-statuses.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';

const id = (request: FastifyRequest) => (request.params as { id: string }).id;

export function scheduledStatusesRoutes(app: FastifyInstance, ctx: AppContext) {
  const read = { preHandler: authorize({ scopes: ['read', 'read:statuses'], user: true }) };
  const write = { preHandler: authorize({ scopes: ['write', 'write:statuses'], user: true }) };

  app.get('/api/v1/scheduled_statuses', read, async (request, reply) => {
    const { account } = currentUser(request);
    const rows = await listScheduledStatuses(ctx, account.id, pageRequest(request));
    setLinkHeader(ctx.config, request, reply, rows);
    return renderScheduledStatuses(ctx, rows);
  });

  app.get('/api/v1/scheduled_statuses/:id', read, async (request) => {
    const { account } = currentUser(request);
    return renderScheduledStatus(ctx, await findScheduledStatus(ctx, account.id, id(request)));
  });

  const update = async (request: FastifyRequest) => {
    const { account } = currentUser(request);
    const input = params(request);
    const scheduledAt = input.scheduled_at === undefined ? undefined : (text(input.scheduled_at) ?? '');
    return renderScheduledStatus(ctx, await rescheduleStatus(ctx, account.id, id(request), scheduledAt));
  };
  app.put('/api/v1/scheduled_statuses/:id', write, update);
  app.patch('/api/v1/scheduled_statuses/:id', write, update);

  app.delete('/api/v1/scheduled_statuses/:id', write, async (request) => {
    const { account } = currentUser(request);
    await cancelScheduledStatus(ctx, account.id, id(request));
    return {};
  });
}
