import type { Logger } from 'drizzle-orm';
import type { Database } from './index.ts';

/** What `watchQueries` records: the SQL of each query run through the database since it started. */
export interface QueryWatch {
  readonly queries: string[];
  stop(): void;
}

interface SessionWithLogger {
  logger: Logger;
}

/**
 * Records every query the database runs (through drizzle's logger, which each driver's session
 * calls), until stopped: a hook for tests that count the queries of a code path.
 */
export function watchQueries(db: Database): QueryWatch {
  const session = (db as unknown as { session: SessionWithLogger }).session;
  const previous = session.logger;
  const queries: string[] = [];
  session.logger = {
    logQuery(query, params) {
      queries.push(query);
      previous.logQuery(query, params);
    },
  };
  return {
    queries,
    stop() {
      session.logger = previous;
    },
  };
}
