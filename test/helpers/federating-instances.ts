import { createServer } from 'node:net';
import { startInstance, type TestInstance } from './instance.ts';
import { claimLoopbackAddress, ownPort } from './loopback.ts';

/** Whether this process may listen on `host`:80 (root, or CAP_NET_BIND_SERVICE); `host` is ours, so no one takes the port meanwhile. */
function canListenOn80(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(80, host, () => server.close(() => resolve(true)));
  });
}

/**
 * An instance on a loopback address of its own (claimed for this test file, see ./loopback.ts:
 * addresses, because names under .localhost do not resolve everywhere and /etc/hosts may not be
 * writable), federating over plain http (LOCAL_HTTPS=false) with the others on 127.0.0.0/8. It
 * listens on port 80 when it can, so its domain has no port and its members' handles can be
 * written in posts, as Mastodon's mention syntax has no port; otherwise on another port of its
 * address (see `hasPortInDomain`).
 */
export async function startOn(env: Record<string, string> = {}): Promise<TestInstance> {
  return startInstance({ env: { ...(await loopbackInstanceEnv()), ...env } });
}

/** The environment of an instance on a loopback address of its own (see `startOn`), for instances prepared before they start. */
export async function loopbackInstanceEnv(): Promise<Record<string, string>> {
  const host = claimLoopbackAddress();
  const port = (await canListenOn80(host)) ? 80 : ownPort();
  const domain = port === 80 ? host : `${host}:${port}`;
  return { LOCAL_DOMAIN: domain, BIND: host, PORT: String(port), LOCAL_HTTPS: 'false', ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8' };
}

/** Whether an instance's handles carry a port (then they cannot be mentioned in a post). */
export const hasPortInDomain = (instance: TestInstance) => instance.config.localDomain.includes(':');

export { until } from './until.ts';
