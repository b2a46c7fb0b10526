/**
 * Preloaded (`node --expose-gc --import bench/lib/process-probe.ts …`) into a server process that a
 * benchmark starts as its child with an IPC channel, so the bench can ask it from outside:
 *
 *   {id, type: 'memory'}  collect garbage, then answer process.memoryUsage()
 *   {id, type: 'loop'}    answer the event-loop delay since the last 'loop' (p50/p99/max in ms), and reset it
 *
 * It changes nothing else in the process; without an IPC channel it does nothing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

interface ProbeRequest {
  id: number;
  type: 'memory' | 'loop';
}

if (process.send && process.channel) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (request: ProbeRequest) => {
    if (!request || typeof request.id !== 'number') return;
    if (request.type === 'loop') {
      const ms = (ns: number) => ns / 1e6;
      const answer = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), count: delay.count };
      delay.reset();
      process.send!({ id: request.id, loop: answer });
      return;
    }
    if (request.type === 'memory') {
      void (async () => {
        // a few rounds, with pauses for finalizers and freed external memory
        for (let round = 0; round < 3; round += 1) {
          gc?.();
          await sleep(100);
        }
        process.send!({ id: request.id, memory: process.memoryUsage(), gc: !!gc });
      })();
    }
  });
  // the channel must not keep the server alive once it shuts down
  process.channel.unref();
}
