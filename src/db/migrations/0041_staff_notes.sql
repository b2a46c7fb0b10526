-- Moderators' notes on a report (Mastodon's report_notes) and on an account (account_moderation_notes).
CREATE TABLE "report_notes" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"content" text NOT NULL,
	"report_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "report_notes" ADD CONSTRAINT "report_notes_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "report_notes" ADD CONSTRAINT "report_notes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "index_report_notes_on_report_id" ON "report_notes" USING btree ("report_id");
--> statement-breakpoint
CREATE INDEX "index_report_notes_on_account_id" ON "report_notes" USING btree ("account_id");
--> statement-breakpoint
CREATE TABLE "account_moderation_notes" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"content" text NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_moderation_notes" ADD CONSTRAINT "account_moderation_notes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "account_moderation_notes" ADD CONSTRAINT "account_moderation_notes_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "index_account_moderation_notes_on_account_id" ON "account_moderation_notes" USING btree ("account_id");
--> statement-breakpoint
CREATE INDEX "index_account_moderation_notes_on_target_account_id" ON "account_moderation_notes" USING btree ("target_account_id");
