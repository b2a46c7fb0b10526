import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const TERMINATE = 0x58;

export interface WireServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a PGlite database over PostgreSQL's wire protocol on a loopback port, so that code under
 * test reaches it through a real `postgres://` URL with `pg` (the embedded test pass has no
 * PostgreSQL). As @electric-sql/pglite-socket does: SSL and GSS requests are answered `N`, whole
 * messages are handed to `execProtocolRaw` in batches and its bytes written back. PGlite has one
 * session, so connections take turns: one is served from its start-up to its end at a time.
 */
export async function serveOverWire(db: PGlite, address = '127.0.0.1'): Promise<WireServer> {
  let turn: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();

  const serve = (socket: Socket, release: () => void) => {
    let buffer = Buffer.alloc(0);
    let started = false;
    let pending: Promise<void> = Promise.resolve();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      // what the client left open is not left to the next one
      pending = pending.then(async () => {
        await db.exec('ROLLBACK').catch(() => {});
        release();
      });
    };
    socket.on('close', end);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const messages: Buffer[] = [];
      for (;;) {
        if (!started) {
          if (buffer.length < 8 || buffer.length < buffer.readInt32BE(0)) break;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write('N');
            continue;
          }
          started = true;
          messages.push(message);
          continue;
        }
        if (buffer.length < 5 || buffer.length < 1 + buffer.readInt32BE(1)) break;
        const length = 1 + buffer.readInt32BE(1);
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (message[0] === TERMINATE) {
          socket.end();
          return;
        }
        messages.push(message);
      }
      if (messages.length === 0) return;
      const batch = Buffer.concat(messages);
      pending = pending.then(async () => {
        const reply = await db.execProtocolRaw(batch);
        if (reply.length > 0 && !socket.destroyed) socket.write(reply);
      });
    });
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.pause();
    const previous = turn;
    let release!: () => void;
    turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    void previous.then(() => {
      if (socket.destroyed) return release();
      serve(socket, release);
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `postgres://postgres@${address}:${port}/postgres`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // every connection rolled back and released: PGlite may close
      await turn;
    },
  };
}
