import type { Logger } from 'drizzle-orm';
import type { Database } from './index.ts';

/** What `watchQueries` records: the SQL of each query run through the database since it started. */
export interface QueryWatch {
  readonly queries: string[];
  stop(): void;
}

interface SessionWithLogger {
  logger: Logger;
  /** what the session hands the sessions of its transactions (their logger among them) */
  options?: { logger?: Logger };
}

/**
 * Records every query the database runs (through drizzle's logger, which each driver's session
 * calls, and the sessions of transactions begun meanwhile, which take it from the session's options),
 * until stopped: a hook for tests that count the queries of a code path. BEGIN and COMMIT are not recorded.
 */
export function watchQueries(db: Database): QueryWatch {
  const session = (db as unknown as { session: SessionWithLogger }).session;
  const previous = session.logger;
  const previousOptions = session.options;
  const queries: string[] = [];
  const recorder: Logger = {
    logQuery(query, params) {
      queries.push(query);
      previous.logQuery(query, params);
    },
  };
  session.logger = recorder;
  if (previousOptions) session.options = { ...previousOptions, logger: recorder };
  return {
    queries,
    stop() {
      session.logger = previous;
      if (previousOptions) session.options = previousOptions;
    },
  };
}
