import { parseArgs } from 'node:util';
import {
  createDomainAllow,
  createDomainBlock,
  domainRulesFor,
  listDomainAllows,
  listDomainBlocks,
  removeDomainAllow,
  removeDomainBlock,
  SEVERITIES,
} from '../../services/relationships/block-domain.ts';
import { CommandError, onePositional, output, parseCommandArgs, parseOptions, wantsHelp, type AdminCommand, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, subcommandHelp, usage } from '../usage.ts';
import { prepareDomainsCrawl } from './domains-crawl.ts';
import { prepareDomainsPurge } from './domains-purge.ts';

const { block: BLOCK_USAGE, unblock: UNBLOCK_USAGE, allow: ALLOW_USAGE, disallow: DISALLOW_USAGE, list: LIST_USAGE } = ADMIN_USAGE.domains;

export const DOMAINS_USAGE = commandUsage('domains');

function prepareBlock(args: string[]): Prepared {
  const text = usage(BLOCK_USAGE);
  const { values, positionals } = parseOptions(text, args, {
    severity: { type: 'string' },
    'reject-media': { type: 'boolean' },
    'reject-reports': { type: 'boolean' },
    obfuscate: { type: 'boolean' },
    'public-comment': { type: 'string' },
    'private-comment': { type: 'string' },
  });
  const domain = onePositional(positionals, 'DOMAIN', text);
  if (values.severity !== undefined && !(SEVERITIES as readonly string[]).includes(values.severity)) throw new UsageError(`--severity must be one of ${SEVERITIES.join(', ')}`, text);
  return {
    async run(ctx) {
      const block = await createDomainBlock(ctx, {
        domain,
        severity: values.severity ?? 'suspend',
        rejectMedia: !!values['reject-media'],
        rejectReports: !!values['reject-reports'],
        obfuscate: !!values.obfuscate,
        publicComment: values['public-comment'] ?? null,
        privateComment: values['private-comment'] ?? null,
      });
      return output(`OK\nID: ${block.id}`);
    },
  };
}

function prepareOne(_verb: string, line: string, act: (ctx: Parameters<Extract<Prepared, { run: unknown }>['run']>[0], domain: string) => Promise<void>): (args: string[]) => Prepared {
  return (args) => {
    const text = usage(line);
    const { positionals } = parseOptions(text, args, {});
    const domain = onePositional(positionals, 'DOMAIN', text);
    return {
      async run(ctx) {
        await act(ctx, domain);
        return output('OK');
      },
    };
  };
}

function prepareList(args: string[]): Prepared {
  parseCommandArgs(usage(LIST_USAGE), () => parseArgs({ args, allowPositionals: false, strict: true, options: {} }));
  return {
    async run(ctx) {
      const page = { limit: 10_000 };
      const blocks = await listDomainBlocks(ctx, page);
      const allows = await listDomainAllows(ctx, page);
      const lines = [
        ...blocks.map((block) => [block.domain, block.severity, block.rejectMedia ? 'reject_media' : '', block.rejectReports ? 'reject_reports' : ''].filter(Boolean).join('  ')),
        ...allows.map((allow) => `${allow.domain}  allowed`),
      ];
      return output(lines.length ? lines.join('\n') : 'No domain blocks or allows.');
    },
  };
}

/** `subspace domains …`: instance-level domain blocks and allows (LIMITED_FEDERATION_MODE), as the admin API keeps them. */
export const domainsCommand: AdminCommand = {
  name: 'domains',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('domains needs a subcommand', DOMAINS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: DOMAINS_USAGE };
    const handlers: Record<string, [(args: string[]) => Prepared, string]> = {
      block: [prepareBlock, BLOCK_USAGE],
      unblock: [
        prepareOne('unblock', UNBLOCK_USAGE, async (ctx, domain) => {
          const { block } = await domainRulesFor(ctx, domain);
          if (!block) throw new CommandError(`${domain} is not blocked`);
          await removeDomainBlock(ctx, block.id);
        }),
        UNBLOCK_USAGE,
      ],
      allow: [prepareOne('allow', ALLOW_USAGE, async (ctx, domain) => void (await createDomainAllow(ctx, domain))), ALLOW_USAGE],
      disallow: [
        prepareOne('disallow', DISALLOW_USAGE, async (ctx, domain) => {
          const { allow } = await domainRulesFor(ctx, domain);
          if (!allow) throw new CommandError(`${domain} is not allowed`);
          await removeDomainAllow(ctx, allow.id);
        }),
        DISALLOW_USAGE,
      ],
      list: [prepareList, LIST_USAGE],
      purge: [prepareDomainsPurge, ADMIN_USAGE.domains.purge],
      crawl: [prepareDomainsCrawl, ADMIN_USAGE.domains.crawl],
    };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown domains command: ${sub}`, DOMAINS_USAGE);
    if (wantsHelp(rest)) return { help: subcommandHelp('domains', sub) };
    return handler[0](rest);
  },
};
