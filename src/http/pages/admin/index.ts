import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { staffAccountsRoutes } from './accounts.ts';
import { staffAnnouncementsRoutes } from './announcements.ts';
import { staffCustomEmojisRoutes } from './custom-emojis.ts';
import { staffActionLogsRoutes } from './action-logs.ts';
import { staffBlocksRoutes } from './blocks.ts';
import { staffDashboardRoutes } from './dashboard.ts';
import { staffJobsRoutes } from './jobs.ts';
import { staffReportsRoutes } from './reports.ts';
import { staffRulesRoutes } from './rules.ts';
import { staffWarningPresetsRoutes } from './warning-presets.ts';
import { staffTrendsRoutes } from './trends.ts';
import { staffSettingsRoutes } from './settings.ts';

/** The staff web interface under /admin (Mastodon's admin views): server-rendered forms and links, no script. */
export function staffInterfaceRoutes(app: FastifyInstance, ctx: AppContext) {
  staffDashboardRoutes(app, ctx);
  staffReportsRoutes(app, ctx);
  staffAccountsRoutes(app, ctx);
  staffActionLogsRoutes(app, ctx);
  staffBlocksRoutes(app, ctx);
  staffRulesRoutes(app, ctx);
  staffWarningPresetsRoutes(app, ctx);
  staffTrendsRoutes(app, ctx);
  staffSettingsRoutes(app, ctx);
  staffJobsRoutes(app, ctx);
  staffAnnouncementsRoutes(app, ctx);
  staffCustomEmojisRoutes(app, ctx);
}
