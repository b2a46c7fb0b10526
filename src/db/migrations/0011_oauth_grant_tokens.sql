ALTER TABLE "oauth_access_tokens" ADD COLUMN "grant_id" bigint;--> statement-breakpoint
ALTER TABLE "oauth_access_tokens" ADD CONSTRAINT "oauth_access_tokens_grant_id_oauth_access_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."oauth_access_grants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "index_oauth_access_tokens_on_grant_id" ON "oauth_access_tokens" USING btree ("grant_id");
