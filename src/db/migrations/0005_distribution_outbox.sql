CREATE TABLE "pending_distributions" (
	"status_id" bigint PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pending_distributions" ADD CONSTRAINT "pending_distributions_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "index_pending_distributions_on_created_at" ON "pending_distributions" USING btree ("created_at");