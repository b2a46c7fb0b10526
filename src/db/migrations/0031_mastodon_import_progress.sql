-- How far `subspace import mastodon` got: the last source id carried over per step, so that a run
-- that stopped continues where it was, and what each step could not carry over, for the final report.
CREATE TABLE "mastodon_import_progress" (
	"step" text PRIMARY KEY NOT NULL,
	"last_id" text,
	"imported" integer DEFAULT 0 NOT NULL,
	"skipped" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
