import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { findWarningPreset, listWarningPresets, renderWarningPreset } from '../../../../services/moderation/warning-presets.ts';
import { ApiError } from '../../../../lib/errors.ts';
import { adminScopeGuard, callerCan } from './guard.ts';

const PATH = '/api/v1/admin/warning_presets';

/** AccountWarningPresetPolicy#show?: staff who manage settings, reports or users. */
const read = {
  preHandler: [
    adminScopeGuard(['admin:read', 'admin:read:reports']),
    async (request: import('fastify').FastifyRequest) => {
      if (![PERMISSIONS.manageSettings, PERMISSIONS.manageReports, PERMISSIONS.manageUsers].some((permission) => callerCan(request, permission))) throw new ApiError(403, 'This action is not allowed');
    },
  ],
};

/** Api::V1::Admin::WarningPresetsController: the texts a warning may start from (warning_preset_id of an account action). */
export function adminWarningPresetsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, async () => (await listWarningPresets(ctx)).map(renderWarningPreset));
  app.get(`${PATH}/:id`, read, async (request) => renderWarningPreset(await findWarningPreset(ctx, (request.params as { id: string }).id)));
}
