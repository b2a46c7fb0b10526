import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Loopback addresses of this test file's own (node --test runs each file in a process of its own),
 * so that test files running at the same time in one network namespace never listen on the same
 * address and port. Linux routes all of 127.0.0.0/8 to lo; these come from 127.100.0.0/16, apart
 * from the addresses tests name as strangers. An address is claimed by a file in the temporary
 * directory holding the claiming pid, as ./redis-db.ts claims Redis databases; a claim whose
 * process is gone is taken over, and claims are released when the process exits.
 *
 * On an address of its own a file may use any port it likes: there is no need for "a free port"
 * found by listening on port 0 and closing it, which another process could take before it is used.
 */
const CLAIMS = join(tmpdir(), 'subspace-test-loopback');
const ADDRESSES = 254 * 250;
const claimed: string[] = [];

process.once('exit', () => {
  for (const path of claimed) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
});

const addressOf = (index: number) => `127.100.${Math.floor(index / 254)}.${(index % 254) + 1}`;

function ownerGone(path: string): boolean {
  try {
    process.kill(Number(readFileSync(path, 'utf8')), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function tryClaim(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/** Claims one more loopback address for this process, one no other running test process holds. */
export function claimLoopbackAddress(): string {
  mkdirSync(CLAIMS, { recursive: true });
  // start where this pid points, so that processes starting together rarely race for one claim
  for (let tried = 0, index = (process.pid * 7) % ADDRESSES; tried < ADDRESSES; tried++, index = (index + 1) % ADDRESSES) {
    const address = addressOf(index);
    const path = join(CLAIMS, address);
    if (!tryClaim(path)) {
      if (!ownerGone(path)) continue;
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first
      }
      if (!tryClaim(path)) continue;
    }
    claimed.push(path);
    return address;
  }
  throw new Error(`no free loopback address (claims in ${CLAIMS})`);
}

let fileAddress: string | undefined;
let nextPort = 20_000;

/** This file's own loopback address (claimed on first use). */
export function ownAddress(): string {
  fileAddress ??= claimLoopbackAddress();
  return fileAddress;
}

/** A port on this file's own address that nothing in this process has used yet: free, since the address is ours. */
export function ownPort(): number {
  return nextPort++;
}
