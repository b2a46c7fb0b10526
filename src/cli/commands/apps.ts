import type { AppContext } from '../../context.ts';
import { findLocalUser } from '../../services/accounts/local-users.ts';
import { createApplication, OOB_REDIRECT_URI } from '../../services/oauth/applications.ts';
import { issueToken } from '../../services/oauth/tokens.ts';
import { parseScopes, unknownScopes } from '../../services/oauth/scopes.ts';
import { userAccessProblem } from '../../services/accounts/users.ts';
import { CommandError, output, parseOptions, runAdminCommand, wantsHelp, type AdminCommand, type CommandResult, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { commandUsage } from '../usage.ts';

export const APPS_USAGE = commandUsage('apps');

/**
 * `apps create`: what Mastodon's Development page gives a bot author — an application owned by
 * the account, and an access token for that account with the application's scopes.
 */
function prepareCreate(args: string[]): Prepared {
  const { values, positionals } = parseOptions(APPS_USAGE, args, { account: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, website: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, APPS_USAGE);
  if (!values.account) throw new UsageError('--account is required', APPS_USAGE);
  if (!values.name?.trim()) throw new UsageError('--name is required', APPS_USAGE);
  const scopes = parseScopes(values.scopes);
  const unknown = unknownScopes(scopes);
  if (unknown.length > 0) throw new UsageError(`unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, APPS_USAGE);
  const username = values.account;
  const name = values.name;
  return {
    async run(ctx): Promise<CommandResult> {
      const found = await findLocalUser(ctx, username);
      if (!found) throw new CommandError(`no local account named "${username}"`);
      const { app, clientSecret } = await createApplication(ctx, {
        name,
        redirectUris: [OOB_REDIRECT_URI],
        scopes: scopes.join(' '),
        website: values.website ?? null,
        ownerAccountId: found.account.id,
      });
      const token = await issueToken(ctx, { applicationId: app.id, userId: found.user.id, scopes });
      const problem = userAccessProblem(found.user, found.account);
      return {
        ...output(
          [
            'OK',
            `Application: ${app.name} (owned by @${found.account.username})`,
            `Scopes: ${scopes.join(' ')}`,
            `Client ID: ${app.uid}`,
            `Client secret: ${clientSecret}`,
            `Access token: ${token.accessToken}`,
          ].join('\n'),
        ),
        stderr: problem ? `Note: the token works once this is resolved: ${problem}\n` : '',
      };
    },
  };
}

export const appsCommand: AdminCommand = {
  name: 'apps',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('apps needs a subcommand', APPS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h' || wantsHelp(rest)) return { help: APPS_USAGE };
    if (sub !== 'create') throw new UsageError(`unknown apps command: ${sub}`, APPS_USAGE);
    return prepareCreate(rest);
  },
};

/** `subspace apps …` as one call: parse, then run against `ctx`. */
export async function apps(ctx: AppContext, args: string[]): Promise<CommandResult> {
  return runAdminCommand(ctx, ['apps', ...args]);
}
