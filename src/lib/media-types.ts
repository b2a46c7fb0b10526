/**
 * The attachment types whose remote files this instance downloads and stores. Only images for
 * now: video, gifv and audio need ffmpeg processing, which is to come; until then they stay
 * references (the media proxy sends clients to their origin).
 */
export const CACHEABLE_TYPES: ReadonlySet<string> = new Set<string>(['image']);
