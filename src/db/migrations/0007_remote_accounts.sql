ALTER TABLE "accounts" ADD COLUMN "protocol" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "actor_type" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "inbox_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "shared_inbox_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "outbox_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "followers_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "following_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "featured_collection_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "remote_multikey_pem" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "last_webfingered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "fetched_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "index_accounts_on_uri" ON "accounts" USING btree ("uri");