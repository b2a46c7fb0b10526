import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ownAddress, ownPort } from './loopback.ts';

/**
 * Local stand-ins for DeepL (API v2) and LibreTranslate, speaking their HTTP APIs. They "translate"
 * English to German word by word with a small dictionary, as the real services treat HTML: text
 * between tags is translated, tags are kept, and nothing inside an element marked `translate="no"`
 * is touched. Every request is recorded; `answer` makes the next ones fail with that status.
 */
export interface TranslationService {
  url: string;
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: any }[];
  /** a status to answer translation requests with instead of translating (429, 456, 500…) */
  answer?: number;
  close(): Promise<void>;
}

const DICTIONARY: Record<string, string> = { hello: 'hallo', world: 'Welt', bob: 'Robert', yes: 'ja', no: 'nein', cat: 'Katze', and: 'und', a: 'eine', photo: 'Foto' };

/** English to German, word by word, keeping markup and whatever is marked `translate="no"`. */
export function fakeTranslate(html: string): string {
  const kept: boolean[] = [];
  return html
    .split(/(<[^>]*>)/)
    .map((part, i) => {
      if (i % 2 === 1) {
        if (/^<\//.test(part)) kept.pop();
        else if (!/\/>$|^<br/i.test(part)) kept.push(/\btranslate="no"/.test(part) || kept.at(-1) === true);
        return part;
      }
      if (kept.at(-1)) return part;
      return part.replace(/[A-Za-z]+/g, (word) => DICTIONARY[word.toLowerCase()] ?? word);
    })
    .join('');
}

async function readBody(request: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

async function start(handle: (service: TranslationService, method: string, path: string, body: any) => { status: number; json?: unknown }): Promise<TranslationService> {
  const service = { requests: [] } as unknown as TranslationService;
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request).catch(() => undefined);
    const path = request.url ?? '/';
    service.requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });
    const { status, json } = handle(service, request.method ?? 'GET', path, body);
    response.writeHead(status, { 'content-type': 'application/json' }).end(json === undefined ? '' : JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(ownPort(), ownAddress(), resolve));
  const { address, port } = server.address() as AddressInfo;
  service.url = `http://${address}:${port}`;
  service.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return service;
}

/** DeepL: `Authorization: DeepL-Auth-Key <key>`, `POST /v2/translate` (JSON), `GET /v2/languages?type=source|target`. */
export function startDeepl(apiKey: string): Promise<TranslationService> {
  return start((service, method, path, body) => {
    if (service.requests.at(-1)!.headers.authorization !== `DeepL-Auth-Key ${apiKey}`) return { status: 403, json: { message: 'Wrong key' } };
    if (method === 'GET' && path === '/v2/languages?type=source')
      return {
        status: 200,
        json: [
          { language: 'EN', name: 'English' },
          { language: 'DE', name: 'German' },
          { language: 'FR', name: 'French' },
        ],
      };
    if (method === 'GET' && path === '/v2/languages?type=target')
      return {
        status: 200,
        json: [
          { language: 'DE', name: 'German' },
          { language: 'EN-GB', name: 'English (British)' },
          { language: 'EN-US', name: 'English (American)' },
          { language: 'FR', name: 'French' },
        ],
      };
    if (method === 'POST' && path === '/v2/translate') {
      if (service.answer) return { status: service.answer, json: { message: 'refused' } };
      const texts = body?.text as string[];
      return { status: 200, json: { translations: texts.map((text) => ({ detected_source_language: body.source_lang ?? 'EN', text: fakeTranslate(text) })) } };
    }
    return { status: 404, json: { message: 'Not found' } };
  });
}

/** LibreTranslate: `POST /translate` (JSON, `q` a list, `api_key` in the body), `GET /languages`. */
export function startLibreTranslate(apiKey: string): Promise<TranslationService> {
  return start((service, method, path, body) => {
    if (method === 'GET' && path === '/languages')
      return {
        status: 200,
        json: [
          { code: 'en', name: 'English', targets: ['de', 'en', 'fr'] },
          { code: 'de', name: 'German', targets: ['de', 'en'] },
        ],
      };
    if (method === 'POST' && path === '/translate') {
      if (body?.api_key !== apiKey) return { status: 400, json: { error: 'Invalid API key' } };
      if (service.answer) return { status: service.answer, json: { error: 'refused' } };
      const texts = body.q as string[];
      return {
        status: 200,
        json: { translatedText: texts.map(fakeTranslate), ...(body.source === 'auto' ? { detectedLanguage: texts.map(() => ({ confidence: 90, language: 'en' })) } : {}) },
      };
    }
    return { status: 404, json: { error: 'Not Found' } };
  });
}
