import { Resolver } from 'node:dns/promises';
import type { AppContext } from '../../context.ts';

/** What the MX check asks of DNS; tests give a fake one (setEmailDnsResolver), never the network. */
export interface EmailDnsResolver {
  /** the mail exchangers' host names; [] when the domain has none */
  mailExchangers(domain: string): Promise<string[]>;
  /** the host's IPv4 and IPv6 addresses; [] when it has none */
  addresses(host: string): Promise<string[]>;
}

const NO_ANSWER = new Set(['ENODATA', 'ENOTFOUND', 'ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'EREFUSED', 'EBADNAME', 'ENONAME']);

/** An answer DNS could not give counts as no record, as Ruby's Resolv gives none (Mastodon's EmailMxValidator). */
async function orNone(lookup: Promise<string[]>): Promise<string[]> {
  try {
    return await lookup;
  } catch (error) {
    if (NO_ANSWER.has((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

/** The system's resolver, with Mastodon's 5-second timeout. */
export function systemEmailDnsResolver(): EmailDnsResolver {
  const resolver = new Resolver({ timeout: 5000, tries: 1 });
  return {
    mailExchangers: (domain) => orNone(resolver.resolveMx(domain).then((records) => records.map((record) => record.exchange.toLowerCase()))),
    addresses: async (host) => [...(await orNone(resolver.resolve4(host))), ...(await orNone(resolver.resolve6(host)))],
  };
}

const resolvers = new WeakMap<AppContext, EmailDnsResolver>();

/** Makes the instance's MX check ask `resolver` (tests). */
export function setEmailDnsResolver(ctx: AppContext, resolver: EmailDnsResolver): void {
  resolvers.set(ctx, resolver);
}

/**
 * The resolver the MX check uses: the one set for this instance, else the system's, except in the
 * test environment, where (as Mastodon skips EmailMxValidator outside production-like environments)
 * there is none and the check is skipped.
 */
function resolverOf(ctx: AppContext): EmailDnsResolver | undefined {
  return resolvers.get(ctx) ?? (ctx.config.env === 'test' ? undefined : systemEmailDnsResolver());
}

export type MxCheck = { checked: false } | { checked: true; reachable: boolean; mailHosts: string[] };

/**
 * EmailMxValidator#resolve_mx: the domain's mail exchangers, and whether any of them (or the domain
 * itself when it has none) has an address; an address nobody can deliver to is "unreachable".
 */
export async function checkEmailDomainDns(ctx: AppContext, domain: string): Promise<MxCheck> {
  const resolver = resolverOf(ctx);
  if (!resolver) return { checked: false };
  const mailHosts = await resolver.mailExchangers(domain);
  const hosts = mailHosts.length > 0 ? mailHosts : [domain];
  const addresses = (await Promise.all(hosts.map((host) => resolver.addresses(host)))).flat();
  return { checked: true, reachable: addresses.length > 0, mailHosts };
}
