-- The sites links come from, reviewed by staff as a whole (Mastodon's preview_card_providers).
CREATE TABLE "preview_card_providers" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"domain" text NOT NULL,
	"trendable" boolean,
	"reviewed_at" timestamp with time zone,
	"requested_review_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "index_preview_card_providers_on_domain" ON "preview_card_providers" USING btree ("domain");
--> statement-breakpoint
-- The days each local user was active (Mastodon's activity:logins tracker): the active_users measure.
CREATE TABLE "user_activity_days" (
	"day" date NOT NULL,
	"user_id" bigint NOT NULL,
	CONSTRAINT "user_activity_days_day_user_id_pk" PRIMARY KEY("day","user_id")
);
--> statement-breakpoint
ALTER TABLE "user_activity_days" ADD CONSTRAINT "user_activity_days_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "index_user_activity_days_on_user_id" ON "user_activity_days" USING btree ("user_id");
--> statement-breakpoint
-- Texts staff pick from when warning a member (Mastodon's account_warning_presets).
CREATE TABLE "account_warning_presets" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"title" text DEFAULT '' NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
