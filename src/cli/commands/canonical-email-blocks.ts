import { canonicalEmailBlocksMatching, removeCanonicalEmailBlock } from '../../services/moderation/canonical-email-blocks.ts';
import { onePositional, output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/**
 * `subspace canonical_email_blocks find|remove EMAIL` (tootctl canonical_email_blocks): the blocks
 * of an address as canonicalized (dots and +tags of the local part ignored), which sign-up refuses.
 */

function prepareFind(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.canonical_email_blocks.find);
  const email = onePositional(parseOptions(text, args, {}).positionals, 'EMAIL', text);
  return {
    async run(ctx) {
      const blocks = await canonicalEmailBlocksMatching(ctx, email);
      if (blocks.length === 0) return output(`${email} is not blocked`);
      return output(blocks.map((block) => `${email} is blocked (ID: ${block.id}, hash ${block.canonicalEmailHash})`).join('\n'));
    },
  };
}

function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.canonical_email_blocks.remove);
  const email = onePositional(parseOptions(text, args, {}).positionals, 'EMAIL', text);
  return {
    async run(ctx) {
      const blocks = await canonicalEmailBlocksMatching(ctx, email);
      if (blocks.length === 0) return { ...output(''), stderr: `${email} is not blocked\n`, exitCode: 1 };
      for (const block of blocks) await removeCanonicalEmailBlock(ctx, block.id);
      return output(`Removed the block of ${email}`);
    },
  };
}

export const canonicalEmailBlocksCommand = commandWithSubcommands('canonical_email_blocks', { find: prepareFind, remove: prepareRemove });
