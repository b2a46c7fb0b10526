export interface MailMessage {
  to: string;
  /** shown with the address (`username <address>`), as Mastodon's notification mails do */
  toName?: string;
  subject: string;
  text: string;
  html?: string;
  /** extra header fields (List-Unsubscribe, In-Reply-To, …) */
  headers?: Record<string, string>;
}

/** Outgoing mail: .eml files in the data dir (embedded) or an SMTP relay (server). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
