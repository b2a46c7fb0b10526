import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** An article as news sites mark theirs up (what Mastodon's LinkDetailsExtractor reads, and trends need). */
export function articlePage(options: { title: string; description: string; image?: string; site?: string; lang?: string; extraHead?: string }): string {
  return `<!doctype html>
<html lang="${options.lang ?? 'en'}"><head>
<meta charset="utf-8">
<title>${options.title} | ${options.site ?? 'Site'}</title>
<meta property="og:type" content="article">
<meta property="og:title" content="${options.title}">
<meta property="og:description" content="${options.description}">
${options.image ? `<meta property="og:image" content="${options.image}"><meta property="og:image:alt" content="the picture of ${options.title}">` : ''}
<meta property="og:site_name" content="${options.site ?? 'Site'}">
<meta property="article:published_time" content="2024-05-01T10:00:00Z">
${options.extraHead ?? ''}
</head><body><article><h1>${options.title}</h1><p>${options.description}</p></article></body></html>`;
}

/** A PNG of the given size (a gradient, so its blurhash is not flat). */
export async function pngImage(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = Math.floor((x / width) * 255);
      pixels[i + 1] = Math.floor((y / height) * 255);
      pixels[i + 2] = 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A website on a loopback address: pages by path (query included when routed so), and the requests it got. */
export interface LinkSite {
  origin: string;
  /** `METHOD path?query` of every request */
  received: string[];
  route(path: string, handler: PageHandler): void;
  html(path: string, body: string | Buffer, contentType?: string): void;
  close(): Promise<void>;
}

export async function startLinkSite(address: string): Promise<LinkSite> {
  const routes = new Map<string, PageHandler>();
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://site');
    const handler = routes.get(url.pathname + url.search) ?? routes.get(url.pathname);
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'text/html' }).end('<title>Not found</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${address}:${port}`,
    received,
    route: (path, handler) => routes.set(path, handler),
    html(path, body, contentType = 'text/html; charset=utf-8') {
      routes.set(path, (_req, res) => res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
