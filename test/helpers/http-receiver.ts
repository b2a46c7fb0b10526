import { createServer, type IncomingHttpHeaders } from 'node:http';
import { ownAddress, ownPort } from './loopback.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  url: string;
  received: ReceivedRequest[];
  /** how the next requests are answered (status and JSON body); 200 `{}` unless set */
  respond: (request: ReceivedRequest) => { status: number; body?: unknown };
  close(): Promise<void>;
}

/** A local HTTP endpoint (on this file's own loopback address unless given one) that records what it is sent (a verification API, a webhook receiver). */
export async function startHttpReceiver(address = ownAddress()): Promise<HttpReceiver> {
  const port = ownPort();
  const receiver: HttpReceiver = {
    url: `http://${address}:${port}`,
    received: [],
    respond: () => ({ status: 200, body: {} }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(received);
      const { status, body } = receiver.respond(received);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return receiver;
}
