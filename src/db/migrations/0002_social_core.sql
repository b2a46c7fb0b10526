CREATE TABLE "account_conversations" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"conversation_id" bigint NOT NULL,
	"participant_account_ids" bigint[] DEFAULT '{}' NOT NULL,
	"status_ids" bigint[] DEFAULT '{}' NOT NULL,
	"last_status_id" bigint,
	"unread" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bookmarks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"status_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversation_mutes" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"conversation_id" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"uri" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "custom_filter_keywords" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"custom_filter_id" bigint NOT NULL,
	"keyword" text NOT NULL,
	"whole_word" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "custom_filter_statuses" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"custom_filter_id" bigint NOT NULL,
	"status_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "custom_filters" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"title" text NOT NULL,
	"context" text[] NOT NULL,
	"action" text DEFAULT 'warn' NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "favourites" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"status_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "featured_tags" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"tag_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feed_entries" (
	"feed" text NOT NULL,
	"status_id" bigint NOT NULL,
	"reblog_of_id" bigint,
	CONSTRAINT "feed_entries_feed_status_id_pk" PRIMARY KEY("feed","status_id")
);
--> statement-breakpoint
CREATE TABLE "list_accounts" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"list_id" bigint NOT NULL,
	"account_id" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lists" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"title" text NOT NULL,
	"replies_policy" text DEFAULT 'list' NOT NULL,
	"exclusive" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "markers" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"timeline" text NOT NULL,
	"last_read_id" bigint NOT NULL,
	"lock_version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mentions" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"status_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"silent" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"from_account_id" bigint NOT NULL,
	"type" text NOT NULL,
	"status_id" bigint,
	"group_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "poll_votes" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"poll_id" bigint NOT NULL,
	"choice" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "polls" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"status_id" bigint,
	"expires_at" timestamp with time zone,
	"options" text[] NOT NULL,
	"cached_tallies" integer[] NOT NULL,
	"multiple" boolean DEFAULT false NOT NULL,
	"hide_totals" boolean DEFAULT false NOT NULL,
	"votes_count" integer DEFAULT 0 NOT NULL,
	"voters_count" integer DEFAULT 0 NOT NULL,
	"expiry_notified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scheduled_statuses" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"params" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_edits" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"status_id" bigint NOT NULL,
	"account_id" bigint,
	"text" text DEFAULT '' NOT NULL,
	"content" text DEFAULT '' NOT NULL,
	"spoiler_text" text DEFAULT '' NOT NULL,
	"sensitive" boolean DEFAULT false NOT NULL,
	"poll_options" text[],
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_pins" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"status_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statuses" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"uri" text,
	"url" text,
	"account_id" bigint NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"content" text DEFAULT '' NOT NULL,
	"spoiler_text" text DEFAULT '' NOT NULL,
	"sensitive" boolean DEFAULT false NOT NULL,
	"visibility" text DEFAULT 'public' NOT NULL,
	"language" text,
	"in_reply_to_id" bigint,
	"in_reply_to_account_id" bigint,
	"reblog_of_id" bigint,
	"conversation_id" bigint,
	"application_id" bigint,
	"local" boolean DEFAULT true NOT NULL,
	"poll_id" bigint,
	"replies_count" integer DEFAULT 0 NOT NULL,
	"reblogs_count" integer DEFAULT 0 NOT NULL,
	"favourites_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"edited_at" timestamp with time zone,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "statuses_tags" (
	"status_id" bigint NOT NULL,
	"tag_id" bigint NOT NULL,
	CONSTRAINT "statuses_tags_tag_id_status_id_pk" PRIMARY KEY("tag_id","status_id")
);
--> statement-breakpoint
CREATE TABLE "tag_follows" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"tag_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"name" text NOT NULL,
	"usable" boolean DEFAULT true NOT NULL,
	"listable" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "chosen_languages" text[];--> statement-breakpoint
ALTER TABLE "account_conversations" ADD CONSTRAINT "account_conversations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_conversations" ADD CONSTRAINT "account_conversations_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookmarks" ADD CONSTRAINT "bookmarks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookmarks" ADD CONSTRAINT "bookmarks_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_mutes" ADD CONSTRAINT "conversation_mutes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custom_filter_keywords" ADD CONSTRAINT "custom_filter_keywords_custom_filter_id_custom_filters_id_fk" FOREIGN KEY ("custom_filter_id") REFERENCES "public"."custom_filters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custom_filter_statuses" ADD CONSTRAINT "custom_filter_statuses_custom_filter_id_custom_filters_id_fk" FOREIGN KEY ("custom_filter_id") REFERENCES "public"."custom_filters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custom_filter_statuses" ADD CONSTRAINT "custom_filter_statuses_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custom_filters" ADD CONSTRAINT "custom_filters_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "favourites" ADD CONSTRAINT "favourites_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "favourites" ADD CONSTRAINT "favourites_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "featured_tags" ADD CONSTRAINT "featured_tags_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "featured_tags" ADD CONSTRAINT "featured_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_accounts" ADD CONSTRAINT "list_accounts_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_accounts" ADD CONSTRAINT "list_accounts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists" ADD CONSTRAINT "lists_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "markers" ADD CONSTRAINT "markers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentions" ADD CONSTRAINT "mentions_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentions" ADD CONSTRAINT "mentions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_from_account_id_accounts_id_fk" FOREIGN KEY ("from_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "poll_votes" ADD CONSTRAINT "poll_votes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "poll_votes" ADD CONSTRAINT "poll_votes_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polls" ADD CONSTRAINT "polls_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polls" ADD CONSTRAINT "polls_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_statuses" ADD CONSTRAINT "scheduled_statuses_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_edits" ADD CONSTRAINT "status_edits_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_edits" ADD CONSTRAINT "status_edits_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_pins" ADD CONSTRAINT "status_pins_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_pins" ADD CONSTRAINT "status_pins_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statuses" ADD CONSTRAINT "statuses_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statuses_tags" ADD CONSTRAINT "statuses_tags_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statuses_tags" ADD CONSTRAINT "statuses_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_follows" ADD CONSTRAINT "tag_follows_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_follows" ADD CONSTRAINT "tag_follows_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_account_conversations_on_account_conversation" ON "account_conversations" USING btree ("account_id","conversation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_bookmarks_on_account_id_and_status_id" ON "bookmarks" USING btree ("account_id","status_id");--> statement-breakpoint
CREATE INDEX "index_bookmarks_on_status_id" ON "bookmarks" USING btree ("status_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_conversation_mutes_on_account_id_and_conversation_id" ON "conversation_mutes" USING btree ("account_id","conversation_id");--> statement-breakpoint
CREATE INDEX "index_custom_filter_keywords_on_custom_filter_id" ON "custom_filter_keywords" USING btree ("custom_filter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_custom_filter_statuses_on_filter_and_status" ON "custom_filter_statuses" USING btree ("custom_filter_id","status_id");--> statement-breakpoint
CREATE INDEX "index_custom_filters_on_account_id" ON "custom_filters" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_favourites_on_account_id_and_status_id" ON "favourites" USING btree ("account_id","status_id");--> statement-breakpoint
CREATE INDEX "index_favourites_on_status_id" ON "favourites" USING btree ("status_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_featured_tags_on_account_id_and_tag_id" ON "featured_tags" USING btree ("account_id","tag_id");--> statement-breakpoint
CREATE INDEX "index_feed_entries_on_feed_and_reblog_of_id" ON "feed_entries" USING btree ("feed","reblog_of_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_list_accounts_on_list_id_and_account_id" ON "list_accounts" USING btree ("list_id","account_id");--> statement-breakpoint
CREATE INDEX "index_list_accounts_on_account_id" ON "list_accounts" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "index_lists_on_account_id" ON "lists" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_markers_on_account_id_and_timeline" ON "markers" USING btree ("account_id","timeline");--> statement-breakpoint
CREATE UNIQUE INDEX "index_mentions_on_status_id_and_account_id" ON "mentions" USING btree ("status_id","account_id");--> statement-breakpoint
CREATE INDEX "index_mentions_on_account_id" ON "mentions" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "index_notifications_on_account_id_and_id" ON "notifications" USING btree ("account_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_notifications_once" ON "notifications" USING btree ("account_id","from_account_id","type",coalesce("status_id", 0));--> statement-breakpoint
CREATE UNIQUE INDEX "index_poll_votes_on_poll_account_choice" ON "poll_votes" USING btree ("poll_id","account_id","choice");--> statement-breakpoint
CREATE INDEX "index_scheduled_statuses_on_scheduled_at" ON "scheduled_statuses" USING btree ("scheduled_at");--> statement-breakpoint
CREATE INDEX "index_scheduled_statuses_on_account_id" ON "scheduled_statuses" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "index_status_edits_on_status_id" ON "status_edits" USING btree ("status_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_status_pins_on_account_id_and_status_id" ON "status_pins" USING btree ("account_id","status_id");--> statement-breakpoint
CREATE INDEX "index_status_pins_on_status_id" ON "status_pins" USING btree ("status_id");--> statement-breakpoint
CREATE INDEX "index_statuses_on_account_id_and_id" ON "statuses" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "index_statuses_on_in_reply_to_id" ON "statuses" USING btree ("in_reply_to_id");--> statement-breakpoint
CREATE INDEX "index_statuses_on_reblog_of_id" ON "statuses" USING btree ("reblog_of_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_statuses_one_reblog_per_account" ON "statuses" USING btree ("account_id","reblog_of_id") WHERE "statuses"."reblog_of_id" IS NOT NULL AND "statuses"."deleted_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "index_statuses_on_uri" ON "statuses" USING btree ("uri");--> statement-breakpoint
CREATE INDEX "index_statuses_public_timeline" ON "statuses" USING btree ("id") WHERE "statuses"."visibility" = 'public' AND "statuses"."deleted_at" IS NULL AND "statuses"."reblog_of_id" IS NULL;--> statement-breakpoint
CREATE INDEX "index_statuses_on_conversation_id" ON "statuses" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "index_statuses_tags_on_status_id" ON "statuses_tags" USING btree ("status_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_tag_follows_on_account_id_and_tag_id" ON "tag_follows" USING btree ("account_id","tag_id");--> statement-breakpoint
CREATE INDEX "index_tag_follows_on_tag_id" ON "tag_follows" USING btree ("tag_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_tags_on_name_lower" ON "tags" USING btree (lower("name"));