ALTER TABLE "notifications" ADD COLUMN "filtered" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "index_notifications_filtered_on_account_id_and_from_account_id" ON "notifications" USING btree ("account_id","from_account_id") WHERE "notifications"."filtered";--> statement-breakpoint
CREATE TABLE "notification_requests" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"from_account_id" bigint NOT NULL,
	"last_status_id" bigint,
	"notifications_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_permissions" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"from_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_requests" ADD CONSTRAINT "notification_requests_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_requests" ADD CONSTRAINT "notification_requests_from_account_id_accounts_id_fk" FOREIGN KEY ("from_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_requests" ADD CONSTRAINT "notification_requests_last_status_id_statuses_id_fk" FOREIGN KEY ("last_status_id") REFERENCES "public"."statuses"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_permissions" ADD CONSTRAINT "notification_permissions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_permissions" ADD CONSTRAINT "notification_permissions_from_account_id_accounts_id_fk" FOREIGN KEY ("from_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_notification_requests_on_account_id_and_from_account_id" ON "notification_requests" USING btree ("account_id","from_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_notification_permissions_on_account_id_and_from_account_id" ON "notification_permissions" USING btree ("account_id","from_account_id");
