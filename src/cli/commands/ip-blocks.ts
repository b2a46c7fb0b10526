import { createIpBlock, findIpBlockByRange, IP_BLOCK_SEVERITIES, listIpBlocks, removeIpBlock, updateIpBlock } from '../../services/moderation/ip-blocks.ts';
import { allPages } from '../all-pages.ts';
import { forEachArgument, plural, positiveInteger } from '../batches.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/** `subspace ip_blocks add|remove|export` (tootctl ip_blocks): sign-ups or all access refused from address ranges. */

function prepareAdd(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.ip_blocks.add);
  const { values, positionals } = parseOptions(text, args, { severity: { type: 'string' }, comment: { type: 'string' }, duration: { type: 'string' }, force: { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('missing IP', text);
  if (!values.severity || !(IP_BLOCK_SEVERITIES as readonly string[]).includes(values.severity)) throw new UsageError(`--severity must be one of ${IP_BLOCK_SEVERITIES.join(', ')}`, text);
  const duration = values.duration === undefined ? undefined : positiveInteger(values.duration, 'duration', text, 0);
  const input = { severity: values.severity, comment: values.comment ?? null, expiresIn: duration === undefined ? null : String(duration) };
  return {
    run: (ctx) =>
      forEachArgument(
        positionals,
        (added, skipped) => `Added ${plural(added, 'IP block')}, skipped ${skipped}`,
        async (ip) => {
          const existing = await findIpBlockByRange(ctx, ip);
          if (existing && !values.force) return `${ip} is already blocked (--force replaces the block)`;
          if (existing) await updateIpBlock(ctx, existing.id, { ip, ...input });
          else await createIpBlock(ctx, { ip, ...input });
        },
      ),
  };
}

function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.ip_blocks.remove);
  const { positionals } = parseOptions(text, args, {});
  if (positionals.length === 0) throw new UsageError('missing IP', text);
  return {
    run: (ctx) =>
      forEachArgument(
        positionals,
        (removed, skipped) => `Removed ${plural(removed, 'IP block')}, skipped ${skipped}`,
        async (ip) => {
          const block = await findIpBlockByRange(ctx, ip);
          if (!block) return `${ip} is not blocked`;
          await removeIpBlock(ctx, block.id);
        },
      ),
  };
}

/** `ip_blocks export [--format plain|nginx]`: the ranges, or nginx `deny` lines for those refused all access. */
function prepareExport(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.ip_blocks.export);
  const { values, positionals } = parseOptions(text, args, { format: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const format = values.format ?? 'plain';
  if (format !== 'plain' && format !== 'nginx') throw new UsageError('--format is plain or nginx', text);
  return {
    async run(ctx) {
      const now = Date.now();
      const blocks = (await allPages((page) => listIpBlocks(ctx, page))).filter((block) => !block.expiresAt || block.expiresAt.getTime() > now).reverse();
      const lines = format === 'nginx' ? blocks.filter((block) => block.severity === 'no_access').map((block) => `deny ${block.ip};`) : blocks.map((block) => block.ip);
      return output(lines.join('\n'));
    },
  };
}

export const ipBlocksCommand = commandWithSubcommands('ip_blocks', { add: prepareAdd, remove: prepareRemove, export: prepareExport });
