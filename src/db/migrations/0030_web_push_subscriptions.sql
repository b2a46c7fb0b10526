-- Web Push subscriptions (Mastodon's web_push_subscriptions): one per access token.
CREATE TABLE "web_push_subscriptions" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"endpoint" text NOT NULL,
	"key_p256dh" text NOT NULL,
	"key_auth" text NOT NULL,
	"standard" boolean DEFAULT false NOT NULL,
	"data" jsonb NOT NULL,
	"user_id" bigint NOT NULL,
	"access_token_id" bigint NOT NULL,
	"access_token_sealed" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "web_push_subscriptions" ADD CONSTRAINT "web_push_subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "web_push_subscriptions" ADD CONSTRAINT "web_push_subscriptions_access_token_id_oauth_access_tokens_id_fk" FOREIGN KEY ("access_token_id") REFERENCES "public"."oauth_access_tokens"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "index_web_push_subscriptions_on_user_id" ON "web_push_subscriptions" USING btree ("user_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "index_web_push_subscriptions_on_access_token_id" ON "web_push_subscriptions" USING btree ("access_token_id");
