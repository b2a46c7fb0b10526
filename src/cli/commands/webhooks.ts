import { createWebhook, listWebhooks, removeWebhook, rotateWebhookSecret, updateWebhook, type WebhookRow } from '../../services/webhooks/webhooks.ts';
import { onePositional, output, parseOptions, wantsHelp, type AdminCommand, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { commandUsage, subcommandHelp, usage, ADMIN_USAGE } from '../usage.ts';

const LINES = ADMIN_USAGE.webhooks;
export const WEBHOOKS_USAGE = commandUsage('webhooks');

const eventList = (value: string | undefined) => value?.split(',').map((event) => event.trim());
const describe = (webhook: WebhookRow) => `${webhook.id}  ${webhook.enabled ? 'enabled ' : 'disabled'}  ${webhook.url}  ${webhook.events.join(',')}`;

function prepareCreate(args: string[]): Prepared {
  const text = usage(LINES.create);
  const { values, positionals } = parseOptions(text, args, { events: { type: 'string' }, secret: { type: 'string' }, disabled: { type: 'boolean' } });
  const url = onePositional(positionals, 'URL', text);
  if (!values.events) throw new UsageError('--events is required', text);
  return {
    async run(ctx) {
      const webhook = await createWebhook(ctx, { url, events: eventList(values.events), secret: values.secret, enabled: !values.disabled });
      return output(`OK\nID: ${webhook.id}\nSecret: ${webhook.secret}`);
    },
  };
}

function prepareModify(args: string[]): Prepared {
  const text = usage(LINES.modify);
  const { values, positionals } = parseOptions(text, args, { url: { type: 'string' }, events: { type: 'string' }, enable: { type: 'boolean' }, disable: { type: 'boolean' } });
  const id = onePositional(positionals, 'ID', text);
  if (values.enable && values.disable) throw new UsageError('--enable and --disable cannot go together', text);
  return {
    async run(ctx) {
      const enabled = values.enable ? true : values.disable ? false : undefined;
      return output(describe(await updateWebhook(ctx, id, { url: values.url, events: eventList(values.events), enabled })));
    },
  };
}

function prepareById(line: string, act: (ctx: Parameters<Extract<Prepared, { run: unknown }>['run']>[0], id: string) => Promise<string>): (args: string[]) => Prepared {
  return (args) => {
    const text = usage(line);
    const { positionals } = parseOptions(text, args, {});
    const id = onePositional(positionals, 'ID', text);
    return { run: async (ctx) => output(await act(ctx, id)) };
  };
}

function prepareList(args: string[]): Prepared {
  parseOptions(usage(LINES.list), args, {});
  return {
    async run(ctx) {
      const webhooks = await listWebhooks(ctx);
      return output(webhooks.length ? webhooks.map(describe).join('\n') : 'No webhooks.');
    },
  };
}

/** `subspace webhooks …`: the endpoints told of account, report and status events (Mastodon's admin webhooks). */
export const webhooksCommand: AdminCommand = {
  name: 'webhooks',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('webhooks needs a subcommand', WEBHOOKS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: WEBHOOKS_USAGE };
    const handlers: Record<string, (args: string[]) => Prepared> = {
      create: prepareCreate,
      list: prepareList,
      modify: prepareModify,
      'rotate-secret': prepareById(LINES['rotate-secret'], async (ctx, id) => `Secret: ${(await rotateWebhookSecret(ctx, id)).secret}`),
      delete: prepareById(LINES.delete, async (ctx, id) => {
        await removeWebhook(ctx, id);
        return 'OK';
      }),
    };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown webhooks command: ${sub}`, WEBHOOKS_USAGE);
    if (wantsHelp(rest)) return { help: subcommandHelp('webhooks', sub) };
    return handler(rest);
  },
};
