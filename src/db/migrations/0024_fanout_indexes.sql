-- How many entries each embedded feed holds (an upper bound), so that a fan-out trims only the
-- feeds past MAX_ITEMS instead of finding every feed's 800th entry on each insert.
CREATE TABLE "feed_sizes" (
	"feed" text PRIMARY KEY NOT NULL,
	"entries" integer NOT NULL
);
--> statement-breakpoint
INSERT INTO "feed_sizes" ("feed", "entries") SELECT "feed", count(*) FROM "feed_entries" GROUP BY "feed";
