import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@fedify/fedify';
import { Temporal } from '@js-temporal/polyfill';
import type { EnqueueOptions, JobQueue, QueueName } from '../../src/backends/queue/index.ts';
import { JobMessageQueue } from '../../src/federation/message-queue.ts';
import { ActivityPubDelivery, ActivityPubFanout, ActivityPubProcessing } from '../../src/jobs/definitions.ts';

interface Enqueued {
  queue: QueueName;
  name: string;
  data: unknown;
  options?: EnqueueOptions;
}

function recordingQueue(): { queue: JobQueue; enqueued: Enqueued[] } {
  const enqueued: Enqueued[] = [];
  const queue = {
    async enqueue(queueName: QueueName, name: string, data: unknown, options?: EnqueueOptions) {
      enqueued.push({ queue: queueName, name, data: JSON.parse(JSON.stringify(data)), options });
    },
  } as unknown as JobQueue;
  return { queue, enqueued };
}

const message = {
  type: 'outbox',
  id: '0b9f7e7e-5c1c-4ad4-9e4b-1b0a5f3c8d01',
  baseUrl: 'http://subspace.test',
  keys: [],
  activity: { '@context': 'https://www.w3.org/ns/activitystreams', type: 'Create', id: 'http://subspace.test/users/alice/statuses/1/activity' },
  activityId: 'http://subspace.test/users/alice/statuses/1/activity',
  activityType: 'https://www.w3.org/ns/activitystreams#Create',
  inbox: 'https://remote.example/inbox',
  sharedInbox: true,
  started: new Date().toISOString(),
  attempt: 0,
  headers: {},
  traceContext: {},
} as unknown as Message;

describe("Fedify's task queues as jobs", () => {
  it('puts inbound activities in ingress, deliveries and fan-outs in push, with Mastodon’s retry counts', async () => {
    const { queue, enqueued } = recordingQueue();
    await new JobMessageQueue(queue, ActivityPubProcessing).enqueue(message);
    await new JobMessageQueue(queue, ActivityPubDelivery).enqueue(message);
    await new JobMessageQueue(queue, ActivityPubFanout).enqueue(message);
    assert.deepEqual(
      enqueued.map(({ queue, name, options }) => [queue, name, options?.attempts]),
      [
        ['ingress', 'ActivityPub::ProcessingWorker', 9],
        ['push', 'ActivityPub::DeliveryWorker', 17],
        ['push', 'ActivityPub::FanoutWorker', undefined],
      ],
    );
    assert.deepEqual(enqueued[0]!.data, message, 'the task survives the trip through JSON');
  });

  it('turns a Temporal delay into a delayed job', async () => {
    const { queue, enqueued } = recordingQueue();
    await new JobMessageQueue(queue, ActivityPubDelivery).enqueue(message, { delay: Temporal.Duration.from({ minutes: 2, seconds: 3 }) });
    await new JobMessageQueue(queue, ActivityPubDelivery).enqueue(message, { delay: Temporal.Duration.from({ seconds: 0 }) });
    assert.equal(enqueued[0]!.options?.delayMs, 123_000);
    assert.equal(enqueued[1]!.options?.delayMs, undefined);
  });

  it('leaves retries to the job queue and never listens itself', async () => {
    const { queue } = recordingQueue();
    const mq = new JobMessageQueue(queue, ActivityPubProcessing);
    assert.equal(mq.nativeRetrial, true);
    await assert.rejects(mq.listen(), /run in the job workers/);
  });
});
