-- CSV imports (Mastodon's bulk_imports and bulk_import_rows) and account archives (Mastodon's backups).
CREATE TABLE "bulk_imports" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"type" text NOT NULL,
	"state" text DEFAULT 'unconfirmed' NOT NULL,
	"total_items" integer DEFAULT 0 NOT NULL,
	"imported_items" integer DEFAULT 0 NOT NULL,
	"processed_items" integer DEFAULT 0 NOT NULL,
	"finished_at" timestamp with time zone,
	"overwrite" boolean DEFAULT false NOT NULL,
	"likely_mismatched" boolean DEFAULT false NOT NULL,
	"original_filename" text DEFAULT '' NOT NULL,
	"account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bulk_imports" ADD CONSTRAINT "bulk_imports_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "index_bulk_imports_on_account_id" ON "bulk_imports" USING btree ("account_id");
--> statement-breakpoint
CREATE INDEX "index_bulk_imports_unconfirmed" ON "bulk_imports" USING btree ("id") WHERE "state" = 'unconfirmed';
--> statement-breakpoint
CREATE TABLE "bulk_import_rows" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"bulk_import_id" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bulk_import_rows" ADD CONSTRAINT "bulk_import_rows_bulk_import_id_bulk_imports_id_fk" FOREIGN KEY ("bulk_import_id") REFERENCES "public"."bulk_imports"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "index_bulk_import_rows_on_bulk_import_id" ON "bulk_import_rows" USING btree ("bulk_import_id");
--> statement-breakpoint
CREATE TABLE "backups" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"user_id" bigint NOT NULL,
	"dump_file_key" text,
	"dump_file_name" text,
	"dump_file_size" bigint,
	"processed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "backups" ADD CONSTRAINT "backups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "index_backups_on_user_id" ON "backups" USING btree ("user_id");
