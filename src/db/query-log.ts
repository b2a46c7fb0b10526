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
  const logger = session.logger;
  // the session's logger is patched in place, not replaced: prepared queries (db/prepared.ts) hold it
  const ownLogQuery = Object.hasOwn(logger, 'logQuery') ? logger.logQuery : undefined;
  const previous = logger.logQuery.bind(logger);
  const previousOptions = session.options;
  const queries: string[] = [];
  const recorder: Logger = {
    logQuery(query, params) {
      queries.push(query);
      previous(query, params);
    },
  };
  logger.logQuery = recorder.logQuery;
  if (previousOptions) session.options = { ...previousOptions, logger: recorder };
  return {
    queries,
    stop() {
      if (ownLogQuery) logger.logQuery = ownLogQuery;
      else delete (logger as Partial<Logger>).logQuery;
      if (previousOptions) session.options = previousOptions;
    },
  };
}
