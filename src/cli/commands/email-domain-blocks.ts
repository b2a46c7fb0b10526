import { createEmailDomainBlock, findEmailDomainBlockByDomain, listEmailDomainBlocks, removeEmailDomainBlock } from '../../services/moderation/email-domain-blocks.ts';
import { allPages } from '../all-pages.ts';
import { forEachArgument, plural } from '../batches.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/** `subspace email_domain_blocks list|add|remove` (tootctl email_domain_blocks): sign-ups from these e-mail domains refused. */

function prepareList(args: string[]): Prepared {
  parseOptions(usage(ADMIN_USAGE.email_domain_blocks.list), args, {});
  return {
    async run(ctx) {
      const blocks = await allPages((page) => listEmailDomainBlocks(ctx, page));
      if (blocks.length === 0) return output('No e-mail domain blocks.');
      return output(blocks.map((block) => `${block.domain}${block.allowWithApproval ? '  (sign-ups wait for approval)' : ''}`).join('\n'));
    },
  };
}

function prepareAdd(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.email_domain_blocks.add);
  const { values, positionals } = parseOptions(text, args, { 'with-approval': { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('missing DOMAIN', text);
  return {
    run: (ctx) =>
      forEachArgument(
        positionals,
        (added, skipped) => `Added ${plural(added, 'e-mail domain block')}, skipped ${skipped}`,
        async (domain) => void (await createEmailDomainBlock(ctx, { domain, allowWithApproval: !!values['with-approval'] })),
      ),
  };
}

function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.email_domain_blocks.remove);
  const { positionals } = parseOptions(text, args, {});
  if (positionals.length === 0) throw new UsageError('missing DOMAIN', text);
  return {
    run: (ctx) =>
      forEachArgument(
        positionals,
        (removed, skipped) => `Removed ${plural(removed, 'e-mail domain block')}, skipped ${skipped}`,
        async (domain) => {
          const block = await findEmailDomainBlockByDomain(ctx, domain);
          if (!block) return `${domain} is not blocked`;
          await removeEmailDomainBlock(ctx, block.id);
        },
      ),
  };
}

export const emailDomainBlocksCommand = commandWithSubcommands('email_domain_blocks', { list: prepareList, add: prepareAdd, remove: prepareRemove });
