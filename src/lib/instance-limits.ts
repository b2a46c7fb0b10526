/** The Mastodon API level Subspace answers to, and its own version. */
export const MASTODON_COMPATIBLE_VERSION = '4.3.0';
export const SUBSPACE_VERSION = '0.1.0';
/** What `version` says in the instance entities; clients detect features from the first part. */
export const INSTANCE_VERSION = `${MASTODON_COMPATIBLE_VERSION} (compatible; Subspace ${SUBSPACE_VERSION})`;
/** Where the source code of this server can be had (AGPL). */
export const SOURCE_URL = 'https://github.com/subspace-social/subspace';

/**
 * The limits apps are told about, and that the code enforces (post-status and edit-status for
 * statuses, polls and attachments, media-processing and media/ for uploads, pin-status for pins,
 * featured tags). The types are Mastodon's (HEIC/HEIF decoded by heic-decode, stored as JPEG).
 */
export const INSTANCE_LIMITS = {
  statuses: { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 },
  media_attachments: {
    supported_mime_types: [
      ...['image/jpeg', 'image/png', 'image/gif', 'image/heic', 'image/heif', 'image/webp', 'image/avif'],
      ...['video/webm', 'video/mp4', 'video/quicktime', 'video/ogg'],
      ...['audio/wave', 'audio/wav', 'audio/x-wav', 'audio/x-pn-wave', 'audio/vnd.wave', 'audio/ogg', 'audio/vorbis', 'audio/mpeg', 'audio/mp3', 'audio/webm'],
      ...['audio/flac', 'audio/aac', 'audio/m4a', 'audio/x-m4a', 'audio/mp4', 'audio/3gpp', 'video/x-ms-asf'],
    ] as readonly string[],
    image_size_limit: 16 * 1024 * 1024,
    image_matrix_limit: 33_177_600,
    video_size_limit: 99 * 1024 * 1024,
    video_frame_rate_limit: 120,
    video_matrix_limit: 8_294_400,
    description_limit: 1500,
  },
  polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2_629_746 },
  accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
} as const;

export const MEDIA_LIMITS = INSTANCE_LIMITS.media_attachments;

/** The languages the instance offers: its pages and mails are in English only (Mastodon: `[I18n.default_locale]`). */
export const INSTANCE_LANGUAGES = ['en'] as const;

/** Mastodon's limits for local profiles (Account::DISPLAY_NAME_LENGTH_LIMIT and friends). */
export const PROFILE_LIMITS = {
  displayName: 30,
  note: 500,
  fields: 4,
  fieldName: 255,
  fieldValue: 255,
} as const;

/**
 * Mastodon's Account::Avatar and Account::Header: JPEG, PNG, GIF or WebP files under 8 MB; the
 * avatar cropped to 400×400, the header scaled down to 1500×500 worth of pixels; Attachmentable's
 * pixel limits (a GIF's frame at most 1280×720). A GIF keeps its animation, with its first frame
 * as a PNG beside it (the `static` style).
 */
export const ACCOUNT_IMAGE_LIMITS = {
  fileSize: 8 * 1024 * 1024,
  avatarSide: 400,
  headerPixels: 1500 * 500,
  matrixLimit: 33_177_600,
  gifMatrixLimit: 921_600,
  /** MediaAttachment::MAX_DESCRIPTION_LENGTH, which avatar and header descriptions share */
  descriptionLimit: 1500,
} as const;
