import { baseUrl, type Config } from '../config/index.ts';

/** Mastodon's SiteUpload::ANDROID_ICON_SIZES: the app icon renditions in public/icons (scripts/generate-icons.ts). */
export const APP_ICON_SIZES = [36, 48, 72, 96, 144, 192, 256, 384, 512] as const;

export const appIconPath = (size: number) => `/icons/android-chrome-${size}x${size}.png`;

/** The instance's app icons, as the instance entity's `icon` and the web manifest's `icons` list them. */
export function appIcons(config: Config) {
  return APP_ICON_SIZES.map((size) => ({ src: `${baseUrl(config)}${appIconPath(size)}`, size: `${size}x${size}` }));
}
