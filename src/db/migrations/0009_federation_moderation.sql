CREATE TABLE "account_migrations" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"acct" text NOT NULL,
	"followers_count" integer DEFAULT 0 NOT NULL,
	"target_account_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "domain_allows" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"domain" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "domain_blocks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"domain" text NOT NULL,
	"severity" text DEFAULT 'silence' NOT NULL,
	"reject_media" boolean DEFAULT false NOT NULL,
	"reject_reports" boolean DEFAULT false NOT NULL,
	"private_comment" text,
	"public_comment" text,
	"obfuscate" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "media_attachments" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"status_id" bigint,
	"account_id" bigint,
	"type" text DEFAULT 'unknown' NOT NULL,
	"remote_url" text DEFAULT '' NOT NULL,
	"file_key" text,
	"content_type" text,
	"description" text,
	"blurhash" text,
	"meta" jsonb,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"status_ids" bigint[] DEFAULT '{}' NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"category" text DEFAULT 'other' NOT NULL,
	"rule_ids" bigint[],
	"forwarded" boolean DEFAULT false NOT NULL,
	"uri" text,
	"action_taken_at" timestamp with time zone,
	"action_taken_by_account_id" bigint,
	"assigned_account_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unavailable_domains" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"domain" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_migrations" ADD CONSTRAINT "account_migrations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_migrations" ADD CONSTRAINT "account_migrations_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_attachments" ADD CONSTRAINT "media_attachments_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_attachments" ADD CONSTRAINT "media_attachments_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "index_account_migrations_on_account_id" ON "account_migrations" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_domain_allows_on_domain" ON "domain_allows" USING btree ("domain");--> statement-breakpoint
CREATE UNIQUE INDEX "index_domain_blocks_on_domain" ON "domain_blocks" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "index_media_attachments_on_status_id" ON "media_attachments" USING btree ("status_id");--> statement-breakpoint
CREATE INDEX "index_media_attachments_on_account_id" ON "media_attachments" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "index_reports_on_account_id" ON "reports" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "index_reports_on_target_account_id" ON "reports" USING btree ("target_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_unavailable_domains_on_domain" ON "unavailable_domains" USING btree ("domain");