-- How many entries each embedded feed holds (an upper bound), so that a fan-out trims only the
-- feeds past MAX_ITEMS instead of finding every feed's 800th entry on each insert.
CREATE TABLE "feed_sizes" (
	"feed" text PRIMARY KEY NOT NULL,
	"entries" integer NOT NULL
);
--> statement-breakpoint
INSERT INTO "feed_sizes" ("feed", "entries") SELECT "feed", count(*) FROM "feed_entries" GROUP BY "feed";
--> statement-breakpoint
-- Only reblogs need finding by what they reblog: the index no longer grows with every fan-out of an original.
DROP INDEX "index_feed_entries_on_feed_and_reblog_of_id";
--> statement-breakpoint
CREATE INDEX "index_feed_entries_on_feed_and_reblog_of_id" ON "feed_entries" USING btree ("feed","reblog_of_id") WHERE "reblog_of_id" IS NOT NULL;
