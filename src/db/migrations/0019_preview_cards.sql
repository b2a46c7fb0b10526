CREATE TABLE "preview_cards" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"url" text DEFAULT '' NOT NULL,
	"title" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"type" text DEFAULT 'link' NOT NULL,
	"link_type" text,
	"html" text DEFAULT '' NOT NULL,
	"author_name" text DEFAULT '' NOT NULL,
	"author_url" text DEFAULT '' NOT NULL,
	"provider_name" text DEFAULT '' NOT NULL,
	"provider_url" text DEFAULT '' NOT NULL,
	"width" integer DEFAULT 0 NOT NULL,
	"height" integer DEFAULT 0 NOT NULL,
	"embed_url" text DEFAULT '' NOT NULL,
	"image_file_key" text,
	"image_content_type" text,
	"image_file_size" integer,
	"blurhash" text,
	"image_description" text DEFAULT '' NOT NULL,
	"language" text,
	"published_at" timestamp with time zone,
	"trendable" boolean,
	"max_score" double precision,
	"max_score_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "preview_cards_statuses" (
	"preview_card_id" bigint NOT NULL,
	"status_id" bigint NOT NULL,
	"url" text,
	CONSTRAINT "preview_cards_statuses_status_id_preview_card_id_pk" PRIMARY KEY("status_id","preview_card_id")
);
--> statement-breakpoint
CREATE TABLE "preview_card_trends" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"preview_card_id" bigint NOT NULL,
	"score" double precision DEFAULT 0 NOT NULL,
	"rank" integer DEFAULT 0 NOT NULL,
	"allowed" boolean DEFAULT false NOT NULL,
	"language" text
);
--> statement-breakpoint
CREATE TABLE "preview_card_shares" (
	"preview_card_id" bigint NOT NULL,
	"status_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "preview_card_shares_preview_card_id_status_id_pk" PRIMARY KEY("preview_card_id","status_id")
);
--> statement-breakpoint
ALTER TABLE "preview_cards_statuses" ADD CONSTRAINT "preview_cards_statuses_preview_card_id_preview_cards_id_fk" FOREIGN KEY ("preview_card_id") REFERENCES "public"."preview_cards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preview_cards_statuses" ADD CONSTRAINT "preview_cards_statuses_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preview_card_trends" ADD CONSTRAINT "preview_card_trends_preview_card_id_preview_cards_id_fk" FOREIGN KEY ("preview_card_id") REFERENCES "public"."preview_cards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preview_card_shares" ADD CONSTRAINT "preview_card_shares_preview_card_id_preview_cards_id_fk" FOREIGN KEY ("preview_card_id") REFERENCES "public"."preview_cards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preview_card_shares" ADD CONSTRAINT "preview_card_shares_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preview_card_shares" ADD CONSTRAINT "preview_card_shares_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_preview_cards_on_url" ON "preview_cards" USING btree ("url");--> statement-breakpoint
CREATE INDEX "index_preview_cards_statuses_on_preview_card_id" ON "preview_cards_statuses" USING btree ("preview_card_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_preview_card_trends_on_preview_card_id" ON "preview_card_trends" USING btree ("preview_card_id");--> statement-breakpoint
CREATE INDEX "index_preview_card_shares_on_status_id" ON "preview_card_shares" USING btree ("status_id");--> statement-breakpoint
CREATE INDEX "index_preview_card_shares_on_preview_card_id_and_created_at" ON "preview_card_shares" USING btree ("preview_card_id","created_at");--> statement-breakpoint
-- Staff decisions on links carry over as cards never fetched (updated_at at the epoch: the first status sharing the URL fetches it).
-- Scores and shares do not: under Mastodon's rules a link trends only through a fetched article card, and shares were kept a week.
INSERT INTO "preview_cards" ("url", "language", "trendable", "created_at", "updated_at")
SELECT "url", "language", "trendable", "created_at", 'epoch'::timestamptz FROM "trend_links"
 WHERE "trendable" IS NOT NULL AND octet_length("url") <= 2692
ON CONFLICT DO NOTHING;--> statement-breakpoint
DROP TABLE "link_trends";--> statement-breakpoint
DROP TABLE "trend_link_shares";--> statement-breakpoint
DROP TABLE "trend_links";
