import type { QueueName } from '../backends/queue/index.ts';

/** A kind of background job: its name, its queue, and how often it may be tried. */
export interface JobDefinition<TData> {
  name: string;
  queue: QueueName;
  attempts?: number;
  /** phantom field carrying the payload type */
  readonly data?: TData;
}

function job<TData>(name: string, queue: QueueName, attempts?: number): JobDefinition<TData> {
  return { name, queue, attempts };
}

// Every job the instance runs, named after the Mastodon worker it stands for.
export const ConfirmationMail = job<{ userId: string; token: string }>('ConfirmationMail', 'mailers');
export const OauthCleanup = job<Record<string, never>>('Scheduler::OauthCleanup', 'scheduler', 1);
