import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import type { Config, SmtpConfig } from '../../config/index.ts';
import type { MailMessage, Mailer } from './index.ts';

/** Mastodon's SMTP_* settings as nodemailer SMTP options. */
export function smtpTransportOptions(smtp: SmtpConfig): SMTPTransportOptions {
  const tls: NonNullable<SMTPTransportOptions['tls']> = {};
  if (smtp.opensslVerifyMode === 'none') tls.rejectUnauthorized = false;
  if (smtp.caFile) tls.ca = readFileSync(smtp.caFile);
  const method = smtp.authMethod.toLowerCase();
  return {
    host: smtp.server,
    port: smtp.port,
    // SMTP_TLS/SMTP_SSL: TLS from the first byte (port 465). Otherwise STARTTLS is used when the
    // server offers it, as Ruby's enable_starttls_auto does, and never when that is switched off;
    // SMTP_ENABLE_STARTTLS=always insists on it (a server without it is an error), =never skips it.
    secure: smtp.tls,
    ignoreTLS: !smtp.tls && (smtp.starttls === 'never' || (smtp.starttls !== 'always' && smtp.starttls !== 'auto' && !smtp.enableStarttlsAuto)),
    requireTLS: !smtp.tls && smtp.starttls === 'always',
    tls,
    auth: smtp.login && method !== 'none' ? { user: smtp.login, pass: smtp.password ?? '', method: method.replace(/_/g, '-').toUpperCase() } : undefined,
  };
}

/** `<dataDir>/mail`, where the embedded mode drops each message as an .eml file. */
export function mailDir(config: Config): string {
  return join(config.dataDir, 'mail');
}

/** Sends through SMTP when SMTP_SERVER is set, otherwise writes RFC 822 files into the data dir. */
export class NodemailerMailer implements Mailer {
  #from: string;
  /** SMTP options, worked out at start so that a bad setting (an unreadable CA file) fails then */
  #smtp: SMTPTransportOptions | undefined;
  #dir: string;
  /** made on the first message: most processes send none, and nodemailer is ~40 modules to load */
  #transport: Promise<Transporter> | undefined;

  constructor(config: Config) {
    this.#from = config.mail.from;
    this.#dir = mailDir(config);
    this.#smtp = config.mail.smtp ? smtpTransportOptions(config.mail.smtp) : undefined;
  }

  #transporter(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      this.#smtp ? nodemailer.createTransport(this.#smtp) : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }),
    );
    return this.#transport;
  }

  async send(message: MailMessage): Promise<void> {
    const mail = {
      from: this.#from,
      to: message.toName ? { name: message.toName, address: message.to } : message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: message.headers,
    };
    const transport = await this.#transporter();
    if (this.#smtp) {
      await transport.sendMail(mail);
      return;
    }
    const info = await transport.sendMail(mail);
    const name = `${new Date().toISOString()}-${randomBytes(6).toString('hex')}.eml`;
    const temporary = join(this.#dir, `.${name}.tmp`);
    await mkdir(this.#dir, { recursive: true });
    // Written aside then renamed, so a reader of the directory never sees half a message.
    await writeFile(temporary, info.message as Buffer, { mode: 0o600 });
    await rename(temporary, join(this.#dir, name));
  }

  async close(): Promise<void> {
    if (this.#transport) (await this.#transport).close();
  }
}
