import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './until.ts';

/** Quoted-printable bodies fold long lines (`=\r\n`) and escape `=` as `=3D`. */
export function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The mails the embedded (file) mailer wrote to `to`, decoded, oldest first. */
export function mailsTo(dataDir: string, to: string): string[] {
  const dir = join(dataDir, 'mail');
  if (!existsSync(dir)) return [];
  const recipient = new RegExp(`^To: .*${to.replace(/[.+]/g, '\\$&')}`, 'mi');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.eml'))
    .sort()
    .map((file) => decodeQuotedPrintable(readFileSync(join(dir, file), 'utf8')))
    .filter((mail) => recipient.test(mail));
}

/** The paths (with query) of this site's links to `path` in the mails to `to`, oldest first. */
export function mailLinks(dataDir: string, to: string, path: string): string[] {
  const pattern = new RegExp(`https?://[^\\s/]+${path.replace(/[.?]/g, '\\$&')}\\?[a-z_]+=[A-Za-z0-9_%-]+`, 'g');
  return mailsTo(dataDir, to).flatMap((mail) =>
    [...mail.matchAll(pattern)].map((match) => {
      const url = new URL(match[0]);
      return `${url.pathname}${url.search}`;
    }),
  );
}

/** Waits for a mail to `to` with a link to `path` that is not one of `seen` (an earlier mail's), and returns the link's path. */
export function waitForMailLink(dataDir: string, to: string, path: string, seen: string[] = []): Promise<string> {
  return until(async () => mailLinks(dataDir, to, path).find((link) => !seen.includes(link)), `a mail to ${to} with a link to ${path}`);
}
