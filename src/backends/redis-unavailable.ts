/** Redis did not answer within the wait: requests answer 503, jobs are retried. (Apart from redis.ts, which loads ioredis: an embedded instance has no Redis.) */
export class RedisUnavailableError extends Error {}
