import type { AppContext } from '../../context.ts';

/** Tells `BACKUP_WEBHOOK_URL` (Slack-compatible: `{"text": …}`) how a backup went; a failure to tell is only logged. */
export async function notifyBackupWebhook(ctx: Pick<AppContext, 'config' | 'log'>, text: string): Promise<void> {
  const url = ctx.config.backup.webhookUrl;
  if (!url) return;
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }), signal: AbortSignal.timeout(10_000) });
    if (!response.ok) ctx.log.warn({ status: response.status }, 'backup webhook refused the message');
  } catch (error) {
    ctx.log.warn({ err: error }, 'backup webhook could not be reached');
  }
}
