-- Staff actions, as Mastodon's admin_action_logs: who did what to which record, with a summary to read.
CREATE TABLE "admin_action_logs" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint REFERENCES "accounts"("id") ON DELETE SET NULL,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" bigint,
	"summary" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "index_admin_action_logs_on_target" ON "admin_action_logs" USING btree ("target_type","target_id");
--> statement-breakpoint
-- Strikes (Mastodon's account_warnings): what staff did to an account and told its owner.
CREATE TABLE "account_warnings" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint REFERENCES "accounts"("id") ON DELETE SET NULL,
	"target_account_id" bigint NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE,
	"action" text DEFAULT 'none' NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"report_id" bigint REFERENCES "reports"("id") ON DELETE SET NULL,
	"status_ids" bigint[],
	"overruled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "index_account_warnings_on_target_account_id" ON "account_warnings" USING btree ("target_account_id");
--> statement-breakpoint
-- A member's appeal of a strike (Mastodon's appeals), approved or rejected by staff.
CREATE TABLE "appeals" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE,
	"account_warning_id" bigint NOT NULL REFERENCES "account_warnings"("id") ON DELETE CASCADE,
	"text" text DEFAULT '' NOT NULL,
	"approved_at" timestamp with time zone,
	"approved_by_account_id" bigint REFERENCES "accounts"("id") ON DELETE SET NULL,
	"rejected_at" timestamp with time zone,
	"rejected_by_account_id" bigint REFERENCES "accounts"("id") ON DELETE SET NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "index_appeals_on_account_warning_id" ON "appeals" USING btree ("account_warning_id");
--> statement-breakpoint
-- A suspended account's content is deleted 30 days after its suspension (Mastodon's account_deletion_requests).
CREATE TABLE "account_deletion_requests" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "index_account_deletion_requests_on_account_id" ON "account_deletion_requests" USING btree ("account_id");
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "sensitized_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "suspension_origin" text;--> statement-breakpoint
-- an admin.report notification names its report; one reporter's two reports are two notifications
ALTER TABLE "notifications" ADD COLUMN "report_id" bigint REFERENCES "reports"("id") ON DELETE CASCADE;--> statement-breakpoint
-- a moderation_warning notification names the strike the member is told about
ALTER TABLE "notifications" ADD COLUMN "account_warning_id" bigint REFERENCES "account_warnings"("id") ON DELETE CASCADE;--> statement-breakpoint
DROP INDEX "index_notifications_once";--> statement-breakpoint
CREATE UNIQUE INDEX "index_notifications_once" ON "notifications" USING btree ("account_id","from_account_id","type",coalesce("status_id", 0),coalesce("report_id", 0),coalesce("account_warning_id", 0));
