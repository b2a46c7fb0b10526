import type { AppContext } from '../context.ts';
import type { Config } from '../config/index.ts';
import { closedRegistrationsMessage, contactAccount, instanceStats, registrationRules, registrationsEnabled, type InstanceStats } from '../services/instance/instance.ts';
import type { LocalUser } from '../services/accounts/local-users.ts';
import { getSettings, type InstanceSettings } from '../services/accounts/settings.ts';
import { instanceRules, type Rule } from '../services/instance/rules.ts';

/** Everything the instance entities (v1 and v2) are rendered from. */
export interface InstanceFacts {
  config: Config;
  /** to render the contact account's avatar and header */
  storage: AppContext['storage'];
  settings: InstanceSettings;
  stats: InstanceStats;
  /** the contact account named in the settings, if it exists */
  contact: LocalUser | undefined;
  registrationsEnabled: boolean;
  registrations: ReturnType<typeof registrationRules>;
  /** the closed-registrations message rendered to HTML, or null */
  registrationsMessage: string | null;
  rules: Rule[];
}

export async function loadInstanceFacts(ctx: AppContext): Promise<InstanceFacts> {
  const settings = await getSettings(ctx);
  const [stats, contact, rules] = await Promise.all([instanceStats(ctx), contactAccount(ctx, settings), instanceRules(ctx)]);
  return {
    config: ctx.config,
    storage: ctx.storage,
    settings,
    stats,
    contact,
    registrationsEnabled: registrationsEnabled(ctx, settings),
    registrations: registrationRules(ctx, settings),
    registrationsMessage: closedRegistrationsMessage(settings),
    rules,
  };
}
