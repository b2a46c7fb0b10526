-- The instance's rules, as Mastodon keeps them (soft-deleted so reports can keep pointing at them).
CREATE TABLE "rules" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"hint" text DEFAULT '' NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Password resets from the web (Devise's recoverable): the token's digest and when it was sent.
ALTER TABLE "users" ADD COLUMN "reset_password_token_digest" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "reset_password_sent_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "index_users_on_reset_password_token_digest" ON "users" USING btree ("reset_password_token_digest") WHERE "reset_password_token_digest" IS NOT NULL;
