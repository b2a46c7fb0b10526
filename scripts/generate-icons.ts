/**
 * Draws Subspace's icon (a planet with a tilted ring on a dark square) and writes the renditions
 * Mastodon serves: public/favicon.ico (16, 32 and 48 px), public/apple-touch-icon.png (180 px) and
 * public/icons/android-chrome-SIZExSIZE.png. Run once after changing the drawing:
 *   ./node_modules/.bin/node scripts/generate-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { APP_ICON_SIZES, appIconPath } from '../src/services/instance/app-icons.ts';

type Rgba = [number, number, number, number];

const BACKGROUND: Rgba = [25, 27, 34, 255];
const PLANET: Rgba = [99, 100, 255, 255];
const RING: Rgba = [236, 237, 255, 255];

/** The colour at a point of the unit square, drawn back to front. */
function paint(x: number, y: number): Rgba {
  const dx = x - 0.5;
  const dy = y - 0.5;
  // the ring: an ellipse band, tilted, in front of the planet only on its lower half
  const angle = (-20 * Math.PI) / 180;
  const rx = dx * Math.cos(angle) - dy * Math.sin(angle);
  const ry = dx * Math.sin(angle) + dy * Math.cos(angle);
  const ringRadius = Math.hypot(rx / 0.36, ry / 0.13);
  const onRing = ringRadius > 0.86 && ringRadius < 1;
  const onPlanet = Math.hypot(dx, dy) < 0.22;
  if (onRing && (ry > 0 || !onPlanet)) return RING;
  if (onPlanet) return PLANET;
  return BACKGROUND;
}

/** Each pixel averages 4×4 samples, for smooth edges at every size. */
function render(size: number): Buffer {
  const samples = 4;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
          for (let c = 0; c < 4; c++) sum[c]! += colour[c]!;
        }
      }
      for (let c = 0; c < 4; c++) pixels[(py * size + px) * 4 + c] = Math.round(sum[c]! / (samples * samples));
    }
  }
  return pixels;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

export function png(size: number): Buffer {
  const pixels = render(size);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** An ICO holding PNG images (understood by every browser since 2007). */
export function ico(sizes: number[]): Buffer {
  const images = sizes.map(png);
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map((image, i) => {
    const entry = Buffer.alloc(16);
    entry[0] = sizes[i]! >= 256 ? 0 : sizes[i]!;
    entry[1] = sizes[i]! >= 256 ? 0 : sizes[i]!;
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(image.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += image.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images]);
}

if (import.meta.main) {
  const publicDir = new URL('../public/', import.meta.url);
  mkdirSync(new URL('icons/', publicDir), { recursive: true });
  for (const size of APP_ICON_SIZES) writeFileSync(new URL(appIconPath(size).slice(1), publicDir), png(size));
  writeFileSync(new URL('apple-touch-icon.png', publicDir), png(180));
  writeFileSync(new URL('favicon.ico', publicDir), ico([16, 32, 48]));
}
