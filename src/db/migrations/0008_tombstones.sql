CREATE TABLE "tombstones" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"uri" text NOT NULL,
	"account_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tombstones" ADD CONSTRAINT "tombstones_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_tombstones_on_uri" ON "tombstones" USING btree ("uri");--> statement-breakpoint
CREATE INDEX "index_tombstones_on_account_id" ON "tombstones" USING btree ("account_id");