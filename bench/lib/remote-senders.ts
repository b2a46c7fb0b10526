/**
 * Remote ActivityPub servers for the inbound benches, in a process of their own (the tests' fake
 * remote, one actor `bob` and its own RSA key each, on the loopback addresses given), driven by the
 * bench over IPC:
 *
 *   {id, type: 'actors'}                          → {actors: [{actorId, host, inbox, sharedInbox, publicKeyPem}]}
 *   {id, type: 'send', url, count, first, connections, spec}
 *        signs `count` distinct public Creates (notes numbered from `first`, spread over the servers)
 *        for the instance's shared inbox, then POSTs them to `url` with `connections` in flight
 *                                                 → {seconds, latencies, statuses: {code: count}}
 *
 *   node bench/lib/remote-senders.ts ADDRESS…   (LOCAL_DOMAIN: the instance's domain, for the signed URL)
 */
import { Agent, request as httpRequest } from 'node:http';
import { inboundCreate } from './inbound-create.ts';
import { startFakeRemote, type FakeRemote, type SignedRequest } from '../../test/helpers/fake-remote.ts';

const SHARED_INBOX = `http://${process.env.LOCAL_DOMAIN ?? 'bench.test'}/inbox`;

const addresses = process.argv.slice(2);
const remotes: FakeRemote[] = await Promise.all(addresses.map((address) => startFakeRemote({ address })));

/** POSTs a signed request as it is (node:http: fetch would replace the signed Host header). */
function send(agent: Agent, url: string, request: SignedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(request.path, url), { method: 'POST', headers: request.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

interface SendRequest {
  id: number;
  type: 'send';
  url: string;
  count: number;
  first: number;
  connections: number;
  spec: 'draft-cavage' | 'rfc9421';
}

async function sendCreates(message: SendRequest) {
  const requests: SignedRequest[] = [];
  for (let i = 0; i < message.count; i++) {
    const remote = remotes[i % remotes.length]!;
    requests.push(await remote.sign(SHARED_INBOX, inboundCreate(remote.actorId, message.first + i), { spec: message.spec }));
  }
  const agent = new Agent({ keepAlive: true, maxSockets: message.connections });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    while (next < requests.length) {
      const request = requests[next++]!;
      const begin = performance.now();
      const status = await send(agent, message.url, request).catch(() => 0);
      latencies.push(performance.now() - begin);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: message.connections }, loop));
  agent.destroy();
  return { seconds: (performance.now() - started) / 1000, latencies, statuses };
}

process.on('message', (message: { id: number; type: string }) => {
  void (async () => {
    try {
      if (message.type === 'actors') {
        const actors = await Promise.all(
          remotes.map(async (remote) => {
            const actor = (await remote.actor()) as { inbox?: string; endpoints?: { sharedInbox?: string }; publicKey?: { publicKeyPem?: string } };
            return { actorId: remote.actorId, host: remote.host, keyId: remote.keyId, inbox: actor.inbox, sharedInbox: actor.endpoints?.sharedInbox, publicKeyPem: actor.publicKey?.publicKeyPem };
          }),
        );
        process.send!({ id: message.id, actors });
      } else if (message.type === 'send') {
        process.send!({ id: message.id, ...(await sendCreates(message as SendRequest)) });
      }
    } catch (error) {
      process.send!({ id: message.id, error: error instanceof Error ? error.stack : String(error) });
    }
  })();
});
process.send!({ id: 0, ready: true });
process.on('SIGTERM', () => void Promise.all(remotes.map((remote) => remote.close())).then(() => process.exit(0)));
