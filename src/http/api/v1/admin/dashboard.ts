import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { ApiError } from '../../../../lib/errors.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { retrieveDimensions } from '../../../../services/moderation/dashboard-dimensions.ts';
import { retrieveMeasures } from '../../../../services/moderation/dashboard-measures.ts';
import { dashboardPeriod } from '../../../../services/moderation/dashboard-period.ts';
import { retentionCohorts } from '../../../../services/moderation/dashboard-retention.ts';
import { listParam } from '../../../params.ts';
import { params, text } from '../../../plugins/params.ts';
import { adminGuard } from './guard.ts';

const dashboard = { preHandler: adminGuard(['admin:read'], PERMISSIONS.viewDashboard) };

/** Api::V1::Admin::{Measures,Dimensions,Retention}Controller: the dashboard's numbers, for staff who may view it. */
export function adminDashboardRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/admin/measures', dashboard, async (request) => {
    const input = params(request);
    return retrieveMeasures(ctx, listParam(input.keys), dashboardPeriod(input.start_at, input.end_at), input);
  });

  app.post('/api/v1/admin/dimensions', dashboard, async (request) => {
    const input = params(request);
    const rawLimit = text(input.limit);
    if (rawLimit !== undefined && rawLimit !== '' && !/^\d+$/.test(rawLimit)) throw new ApiError(400, 'limit must be a number');
    const limit = rawLimit ? Number(rawLimit) : null;
    // space usage and versions need no period; the others count within one
    const period = input.start_at === undefined && input.end_at === undefined ? undefined : dashboardPeriod(input.start_at, input.end_at);
    return retrieveDimensions(ctx, listParam(input.keys), period, limit, input);
  });

  app.post('/api/v1/admin/retention', dashboard, async (request) => {
    const input = params(request);
    const frequency = text(input.frequency) === 'month' ? 'month' : 'day';
    return retentionCohorts(ctx, dashboardPeriod(input.start_at, input.end_at), frequency);
  });
}
