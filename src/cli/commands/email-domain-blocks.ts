import { ApiError } from '../../lib/errors.ts';
import { createEmailDomainBlock, findEmailDomainBlockByDomain, listEmailDomainBlocks, removeEmailDomainBlock } from '../../services/moderation/email-domain-blocks.ts';
import { allPages } from '../all-pages.ts';
import { plural } from '../batches.ts';
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
    async run(ctx) {
      let added = 0;
      const skipped: string[] = [];
      for (const domain of positionals) {
        try {
          await createEmailDomainBlock(ctx, { domain, allowWithApproval: !!values['with-approval'] });
          added++;
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          skipped.push(`${domain}: ${error.message}`);
        }
      }
      return { ...output(`Added ${plural(added, 'e-mail domain block')}, skipped ${skipped.length}`), stderr: skipped.map((line) => `${line}\n`).join(''), exitCode: added === 0 ? 1 : 0 };
    },
  };
}

function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.email_domain_blocks.remove);
  const { positionals } = parseOptions(text, args, {});
  if (positionals.length === 0) throw new UsageError('missing DOMAIN', text);
  return {
    async run(ctx) {
      let removed = 0;
      const skipped: string[] = [];
      for (const domain of positionals) {
        const block = await findEmailDomainBlockByDomain(ctx, domain).catch((error: unknown) => {
          if (error instanceof ApiError) return undefined;
          throw error;
        });
        if (!block) {
          skipped.push(`${domain} is not blocked`);
          continue;
        }
        await removeEmailDomainBlock(ctx, block.id);
        removed++;
      }
      return { ...output(`Removed ${plural(removed, 'e-mail domain block')}, skipped ${skipped.length}`), stderr: skipped.map((line) => `${line}\n`).join(''), exitCode: removed === 0 ? 1 : 0 };
    },
  };
}

export const emailDomainBlocksCommand = commandWithSubcommands('email_domain_blocks', { list: prepareList, add: prepareAdd, remove: prepareRemove });
