import type { Config } from '../config/index.ts';
import { ACCOUNT_IMAGE_LIMITS, INSTANCE_LANGUAGES, INSTANCE_LIMITS, INSTANCE_VERSION, PROFILE_LIMITS, SOURCE_URL } from '../lib/instance-limits.ts';
import type { InstanceFacts } from '../presenters/instance.ts';
import { serializeAccount } from './account.ts';
import { missingHeaderUrl } from './media-urls.ts';
import { appIcons } from '../lib/app-icons.ts';
import { serializeRule } from './rule.ts';

/** There is no uploaded server thumbnail yet: the placeholder image stands in for it. */
const thumbnailUrl = (config: Config) => missingHeaderUrl(config);

const contactAccount = (facts: InstanceFacts) => (facts.contact ? serializeAccount(facts, facts.contact.account, facts.contact.user) : null);

/** Mastodon's Instance entity, `GET /api/v2/instance` (REST::InstanceSerializer). */
export function serializeInstance(facts: InstanceFacts) {
  const { config, settings } = facts;
  return {
    domain: config.localDomain,
    title: settings.site_title,
    version: INSTANCE_VERSION,
    source_url: SOURCE_URL,
    description: settings.site_short_description,
    usage: { users: { active_month: facts.stats.activeMonth } },
    thumbnail: { url: thumbnailUrl(config) },
    icon: appIcons(config),
    languages: [...INSTANCE_LANGUAGES],
    configuration: {
      urls: { streaming: config.streamingApiBaseUrl, status: config.statusPageUrl ?? null },
      vapid: { public_key: config.vapid?.publicKey ?? '' },
      accounts: {
        ...INSTANCE_LIMITS.accounts,
        max_note_length: PROFILE_LIMITS.note,
        max_profile_fields: PROFILE_LIMITS.fields,
        profile_field_name_limit: PROFILE_LIMITS.fieldName,
        profile_field_value_limit: PROFILE_LIMITS.fieldValue,
        max_avatar_description_length: ACCOUNT_IMAGE_LIMITS.descriptionLimit,
        max_header_description_length: ACCOUNT_IMAGE_LIMITS.descriptionLimit,
      },
      statuses: { ...INSTANCE_LIMITS.statuses },
      media_attachments: { ...INSTANCE_LIMITS.media_attachments, supported_mime_types: [...INSTANCE_LIMITS.media_attachments.supported_mime_types] },
      polls: { ...INSTANCE_LIMITS.polls },
      translation: { enabled: !!config.translation },
    },
    registrations: {
      enabled: facts.registrationsEnabled,
      approval_required: facts.registrations.approvalRequired,
      reason_required: facts.registrations.reasonRequired,
      message: facts.registrationsEnabled ? null : facts.registrationsMessage,
      min_age: null,
      url: null,
    },
    api_versions: { mastodon: 2 },
    contact: { email: settings.site_contact_email, account: contactAccount(facts) },
    rules: facts.rules.map(serializeRule),
  };
}

/** The deprecated `GET /api/v1/instance` (REST::V1::InstanceSerializer), still read by many apps. */
export function serializeInstanceV1(facts: InstanceFacts) {
  const { config, settings, stats } = facts;
  const { description_limit: _descriptionLimit, ...media } = INSTANCE_LIMITS.media_attachments;
  return {
    uri: config.localDomain,
    title: settings.site_title,
    short_description: settings.site_short_description,
    description: settings.site_short_description,
    email: settings.site_contact_email,
    version: INSTANCE_VERSION,
    urls: { streaming_api: config.streamingApiBaseUrl },
    stats: { user_count: stats.userCount, status_count: stats.statusCount, domain_count: stats.domainCount },
    thumbnail: thumbnailUrl(config),
    languages: [...INSTANCE_LANGUAGES],
    registrations: facts.registrationsEnabled,
    approval_required: facts.registrations.approvalRequired,
    invites_enabled: false,
    configuration: {
      accounts: { max_featured_tags: INSTANCE_LIMITS.accounts.max_featured_tags },
      statuses: { ...INSTANCE_LIMITS.statuses },
      media_attachments: { ...media, supported_mime_types: [...media.supported_mime_types] },
      polls: { ...INSTANCE_LIMITS.polls },
    },
    contact_account: contactAccount(facts),
    rules: facts.rules.map(serializeRule),
  };
}
