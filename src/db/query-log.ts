import type { Logger } from 'drizzle-orm';
import type { Database } from './index.ts';

/** What `watchQueries` records: the SQL of each query run through the database since it started. */
export interface QueryWatch {
  readonly queries: string[];
  stop(): void;
}

interface SessionWithLogger {
  logger: Logger;
  /** what a transaction's session is made with (drizzle gives it `options.logger`, not `logger`) */
  options?: { logger?: Logger };
}

/**
 * Records every query the database runs (through drizzle's logger, which each driver's session
 * calls, a transaction's too), until stopped: a hook for tests that count the queries of a code path.
 */
export function watchQueries(db: Database): QueryWatch {
  const session = (db as unknown as { session: SessionWithLogger }).session;
  const previous = session.logger;
  const previousOptions = session.options;
  const queries: string[] = [];
  session.logger = {
    logQuery(query, params) {
      queries.push(query);
      previous.logQuery(query, params);
    },
  };
  if (previousOptions) session.options = { ...previousOptions, logger: session.logger };
  return {
    queries,
    stop() {
      session.logger = previous;
      if (previousOptions) session.options = previousOptions;
    },
  };
}
