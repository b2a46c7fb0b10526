/** A status in another language (Mastodon's Translation model), what REST::TranslationSerializer renders. */
export interface StatusTranslation {
  content: string;
  spoilerText: string;
  poll: { id: string; options: string[] } | null;
  mediaAttachments: { id: string; description: string }[];
  detectedSourceLanguage: string | null;
  language: string;
  provider: string;
}

/** Mastodon's Translation entity (REST::TranslationSerializer). */
export function serializeTranslation(translation: StatusTranslation) {
  return {
    detected_source_language: translation.detectedSourceLanguage,
    language: translation.language,
    provider: translation.provider,
    spoiler_text: translation.spoilerText,
    content: translation.content,
    poll: translation.poll ? { id: translation.poll.id, options: translation.poll.options.map((title) => ({ title })) } : null,
    media_attachments: translation.mediaAttachments,
  };
}
