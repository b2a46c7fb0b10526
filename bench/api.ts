/**
 * A load test for a running Subspace (or any Mastodon-compatible server): N concurrent loops of
 * requests for a number of seconds per endpoint, reporting requests per second and latency
 * percentiles. Plain fetch, no dependencies.
 *
 *   node bench/api.ts --url http://127.0.0.1:3000 --token TOKEN [--seconds 10] [--connections 20]
 */
import { parseArgs } from 'node:util';
import { measure, printTable, summarize } from './lib/load.ts';

const USAGE = `Usage: node bench/api.ts --url URL [--token TOKEN] [--seconds 10] [--connections 20] [--warmup 1]
                         [--endpoint PATH]...

  --url URL          the server, e.g. http://127.0.0.1:3000
  --token TOKEN      an access token with the read scope (e.g. from \`subspace apps create\`);
                     without one, endpoints that need it are skipped
  --seconds N        how long to measure each endpoint (default 10)
  --connections N    concurrent request loops (default 20)
  --warmup N         seconds of unmeasured requests before each endpoint (default 1)
  --endpoint PATH    measure this GET path instead of the defaults (repeatable)

Defaults: GET /api/v1/accounts/verify_credentials (with the token) and GET /api/v1/instance.
Requests from loopback are not rate limited; from elsewhere, 429s show up as non-2xx answers.`;

interface Endpoint {
  path: string;
  auth: boolean;
}

class UsageProblem extends Error {}

/** A number option: seconds (warm-up may be 0, the measurement not) or a count of at least 1. */
function numberOption(value: string | undefined, name: string, fallback: number, kind: 'seconds' | 'count', allowZero = false): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  const valid = value.trim() !== '' && Number.isFinite(number) && (kind === 'count' ? Number.isInteger(number) && number >= 1 : allowZero ? number >= 0 : number > 0);
  if (!valid) throw new UsageProblem(`--${name} must be ${kind === 'count' ? 'a whole number of at least 1' : 'a number of seconds'}, got "${value}"`);
  return number;
}

function options(argv: string[]) {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          url: { type: 'string' },
          token: { type: 'string' },
          seconds: { type: 'string' },
          connections: { type: 'string' },
          warmup: { type: 'string' },
          endpoint: { type: 'string', multiple: true },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      throw new UsageProblem(error instanceof Error ? error.message.split('\n')[0]! : String(error));
    }
  })();
  const { values } = parsed;
  if (values.help) return undefined;
  if (!values.url) throw new UsageProblem('--url is required');
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageProblem(`--url is not a URL: ${values.url}`);
  }
  const endpoints: Endpoint[] = values.endpoint
    ? values.endpoint.map((path) => ({ path: path.startsWith('/') ? path : `/${path}`, auth: !!values.token }))
    : [
        { path: '/api/v1/accounts/verify_credentials', auth: true },
        { path: '/api/v1/instance', auth: false },
      ];
  return {
    url,
    token: values.token,
    seconds: numberOption(values.seconds, 'seconds', 10, 'seconds'),
    connections: numberOption(values.connections, 'connections', 20, 'count'),
    warmup: numberOption(values.warmup, 'warmup', 1, 'seconds', true),
    endpoints,
  };
}

async function main(argv: string[]): Promise<number> {
  let config: ReturnType<typeof options>;
  try {
    config = options(argv);
  } catch (error) {
    if (error instanceof UsageProblem) {
      console.error(`bench: ${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (!config) {
    console.log(USAGE);
    return 0;
  }
  console.log(`Benchmarking ${config.url.origin}: ${config.connections} connections, ${config.seconds} s per endpoint (after ${config.warmup} s warm-up)\n`);
  const rows: string[][] = [['endpoint', 'requests', 'req/s', 'p50', 'p99', 'non-2xx', 'errors']];
  let failures = 0;
  for (const endpoint of config.endpoints) {
    const name = `GET ${endpoint.path}`;
    if (endpoint.auth && !config.token) {
      console.log(`skipping ${name}: it needs --token`);
      continue;
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (endpoint.auth && config.token) headers.authorization = `Bearer ${config.token}`;
    const target = new URL(endpoint.path, config.url);
    const send = () => fetch(target, { headers });
    if (config.warmup > 0) await measure(send, config.connections, config.warmup, false);
    const result = await measure(send, config.connections, config.seconds, true);
    rows.push(summarize(name, result));
    if (result.firstError) {
      failures += 1;
      console.log(`${name}: ${result.non2xx + result.errors} failed requests, the first: ${result.firstError}`);
    }
  }
  printTable(rows);
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
