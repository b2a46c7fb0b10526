import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import type { MailMessage } from '../../backends/mail/index.ts';
import type { NotificationEmailType } from '../../db/schema.ts';
import { escapeHtml } from '../../lib/html.ts';
import { getSettings } from '../accounts/settings.ts';
import { unsubscribeUrl } from './unsubscribe.ts';

/** Where a member switches each notification e-mail on or off. */
export const MAIL_SETTINGS_PATH = '/settings/preferences/notifications';

/** What one mail says; it is sent with a plain-text and an HTML part saying the same. */
export interface MailContent {
  to: string;
  toName?: string;
  subject: string;
  /** the first line of the body, as the mail's title */
  heading: string;
  paragraphs: string[];
  /** a status's text or a note from staff, set apart */
  quote?: string;
  /** label: value lines (a sign-in's address and browser) */
  details?: [string, string][];
  /** the one thing to do, as a button in HTML and a link in text */
  action?: { label: string; url: string };
  /** a notification e-mail the member can switch off in one click (RFC 8058) */
  unsubscribe?: { userId: string; username: string; type: NotificationEmailType };
  headers?: Record<string, string>;
}

// Mastodon's ApplicationMailer#set_autoreply_headers!: no out-of-office answers to these
const AUTOREPLY_HEADERS = { Precedence: 'list', 'X-Auto-Response-Suppress': 'All', 'Auto-Submitted': 'auto-generated' };

function textPart(content: MailContent, siteTitle: string, site: string, unsubscribe: string | undefined): string {
  const lines = [content.heading, '', ...content.paragraphs.flatMap((paragraph) => [paragraph, ''])];
  if (content.quote) lines.push(...content.quote.split('\n').map((line) => `> ${line}`), '');
  if (content.details) lines.push(...content.details.map(([label, value]) => `${label}: ${value}`), '');
  if (content.action) lines.push(`${content.action.label}: ${content.action.url}`, '');
  lines.push('-- ', `${siteTitle} (${site})`);
  if (unsubscribe) lines.push(`Unsubscribe from these e-mails: ${unsubscribe}`, `Change your e-mail preferences: ${site}${MAIL_SETTINGS_PATH}`);
  return `${lines.join('\n')}\n`;
}

function htmlPart(content: MailContent, siteTitle: string, site: string, unsubscribe: string | undefined): string {
  const e = escapeHtml;
  const parts = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(content.subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f3f3f8;font-family:sans-serif;color:#17063b">',
    '<div style="max-width:600px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">',
    `<p style="margin:0 0 24px"><a href="${e(site)}" style="color:#563acc;font-weight:bold;text-decoration:none">${e(siteTitle)}</a></p>`,
    `<h1 style="font-size:22px;margin:0 0 16px">${e(content.heading)}</h1>`,
    ...content.paragraphs.map((paragraph) => `<p style="margin:0 0 16px">${e(paragraph)}</p>`),
  ];
  if (content.quote) parts.push(`<blockquote style="margin:0 0 16px;padding:8px 16px;border-left:4px solid #c8c2e6;white-space:pre-wrap">${e(content.quote)}</blockquote>`);
  if (content.details) {
    parts.push(
      `<table style="margin:0 0 16px">${content.details.map(([label, value]) => `<tr><th style="text-align:left;padding-right:16px">${e(label)}</th><td>${e(value)}</td></tr>`).join('')}</table>`,
    );
  }
  if (content.action) {
    parts.push(
      `<p style="margin:24px 0"><a href="${e(content.action.url)}" style="background:#563acc;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none">${e(content.action.label)}</a></p>`,
    );
  }
  const footer = [`${e(siteTitle)}`, `<a href="${e(site)}">${e(site.replace(/^https?:\/\//, ''))}</a>`];
  if (unsubscribe) footer.push(`<a href="${e(unsubscribe)}">Unsubscribe</a>`, `<a href="${e(site + MAIL_SETTINGS_PATH)}">E-mail preferences</a>`);
  parts.push('</div>', `<p style="max-width:600px;margin:16px auto 0;font-size:13px;color:#555">${footer.join(' · ')}</p>`, '</body></html>', '');
  return parts.join('\n');
}

/** A mail with both parts, the instance's name and links, and the headers Mastodon's mailers set. */
export async function composeMail(ctx: AppContext, content: MailContent): Promise<MailMessage> {
  const { site_title } = await getSettings(ctx);
  const site = baseUrl(ctx.config);
  const headers: Record<string, string> = { ...AUTOREPLY_HEADERS, ...content.headers };
  let unsubscribe: string | undefined;
  if (content.unsubscribe) {
    unsubscribe = unsubscribeUrl(ctx, content.unsubscribe.userId, content.unsubscribe.type);
    // NotificationMailer#set_list_headers!
    headers['List-ID'] = `<${content.unsubscribe.type}.${content.unsubscribe.username}.${ctx.config.localDomain}>`;
    headers['List-Unsubscribe'] = `<${unsubscribe}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return {
    to: content.to,
    toName: content.toName,
    subject: content.subject,
    text: textPart(content, site_title, site, unsubscribe),
    html: htmlPart(content, site_title, site, unsubscribe),
    headers,
  };
}
