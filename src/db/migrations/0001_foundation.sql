CREATE TABLE "account_domain_blocks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"domain" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_notes" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"comment" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_pins" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"username" text NOT NULL,
	"domain" text,
	"display_name" text DEFAULT '' NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"locked" boolean DEFAULT false NOT NULL,
	"bot" boolean DEFAULT false NOT NULL,
	"discoverable" boolean,
	"indexable" boolean DEFAULT false NOT NULL,
	"hide_collections" boolean,
	"uri" text DEFAULT '' NOT NULL,
	"url" text,
	"avatar_url" text,
	"header_url" text,
	"public_key_pem" text,
	"private_key_pem" text,
	"statuses_count" integer DEFAULT 0 NOT NULL,
	"followers_count" integer DEFAULT 0 NOT NULL,
	"following_count" integer DEFAULT 0 NOT NULL,
	"last_status_at" timestamp with time zone,
	"suspended_at" timestamp with time zone,
	"silenced_at" timestamp with time zone,
	"memorial" boolean DEFAULT false NOT NULL,
	"moved_to_account_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blocks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"uri" text
);
--> statement-breakpoint
CREATE TABLE "custom_emojis" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"shortcode" text NOT NULL,
	"domain" text,
	"image_url" text NOT NULL,
	"static_image_url" text NOT NULL,
	"visible_in_picker" boolean DEFAULT true NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"category" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "follow_requests" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"show_reblogs" boolean DEFAULT true NOT NULL,
	"notify" boolean DEFAULT false NOT NULL,
	"languages" text[],
	"uri" text
);
--> statement-breakpoint
CREATE TABLE "follows" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"show_reblogs" boolean DEFAULT true NOT NULL,
	"notify" boolean DEFAULT false NOT NULL,
	"languages" text[],
	"uri" text
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"name" text NOT NULL,
	"data" jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_at" timestamp with time zone,
	"locked_by" text,
	"last_error" text,
	"unique_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mutes" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"target_account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"hide_notifications" boolean DEFAULT true NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "oauth_access_grants" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"code_digest" text NOT NULL,
	"application_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"redirect_uri" text NOT NULL,
	"scopes" text NOT NULL,
	"code_challenge" text,
	"code_challenge_method" text,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_access_tokens" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"token_digest" text NOT NULL,
	"application_id" bigint,
	"user_id" bigint,
	"scopes" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"last_used_ip" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_applications" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"name" text NOT NULL,
	"uid" text NOT NULL,
	"secret_digest" text NOT NULL,
	"redirect_uris" text[] NOT NULL,
	"scopes" text NOT NULL,
	"website" text,
	"superapp" boolean DEFAULT false NOT NULL,
	"owner_account_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_activations" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"session_digest" text NOT NULL,
	"user_id" bigint NOT NULL,
	"user_agent" text DEFAULT '' NOT NULL,
	"ip" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"var" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"account_id" bigint NOT NULL,
	"email" text NOT NULL,
	"encrypted_password" text DEFAULT '' NOT NULL,
	"role" text,
	"confirmed_at" timestamp with time zone,
	"confirmation_token_digest" text,
	"confirmation_sent_at" timestamp with time zone,
	"approved" boolean DEFAULT true NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"locale" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sign_up_ip" text,
	"invite_request_text" text,
	"current_sign_in_at" timestamp with time zone,
	"last_sign_in_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_domain_blocks" ADD CONSTRAINT "account_domain_blocks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_notes" ADD CONSTRAINT "account_notes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_notes" ADD CONSTRAINT "account_notes_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_pins" ADD CONSTRAINT "account_pins_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_pins" ADD CONSTRAINT "account_pins_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blocks" ADD CONSTRAINT "blocks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blocks" ADD CONSTRAINT "blocks_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_requests" ADD CONSTRAINT "follow_requests_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_requests" ADD CONSTRAINT "follow_requests_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follows" ADD CONSTRAINT "follows_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follows" ADD CONSTRAINT "follows_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mutes" ADD CONSTRAINT "mutes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mutes" ADD CONSTRAINT "mutes_target_account_id_accounts_id_fk" FOREIGN KEY ("target_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_access_grants" ADD CONSTRAINT "oauth_access_grants_application_id_oauth_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."oauth_applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_access_grants" ADD CONSTRAINT "oauth_access_grants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_access_tokens" ADD CONSTRAINT "oauth_access_tokens_application_id_oauth_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."oauth_applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_access_tokens" ADD CONSTRAINT "oauth_access_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_applications" ADD CONSTRAINT "oauth_applications_owner_account_id_accounts_id_fk" FOREIGN KEY ("owner_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_activations" ADD CONSTRAINT "session_activations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_account_domain_blocks_on_account_id_and_domain" ON "account_domain_blocks" USING btree ("account_id","domain");--> statement-breakpoint
CREATE UNIQUE INDEX "index_account_notes_on_account_id_and_target_account_id" ON "account_notes" USING btree ("account_id","target_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_account_pins_on_account_id_and_target_account_id" ON "account_pins" USING btree ("account_id","target_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_accounts_on_username_and_domain_lower" ON "accounts" USING btree (lower("username"),coalesce(lower("domain"), ''));--> statement-breakpoint
CREATE UNIQUE INDEX "index_blocks_on_account_id_and_target_account_id" ON "blocks" USING btree ("account_id","target_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_custom_emojis_on_shortcode_and_domain" ON "custom_emojis" USING btree ("shortcode",coalesce("domain", ''));--> statement-breakpoint
CREATE UNIQUE INDEX "index_follow_requests_on_account_id_and_target_account_id" ON "follow_requests" USING btree ("account_id","target_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_follows_on_account_id_and_target_account_id" ON "follows" USING btree ("account_id","target_account_id");--> statement-breakpoint
CREATE INDEX "index_follows_on_target_account_id" ON "follows" USING btree ("target_account_id");--> statement-breakpoint
CREATE INDEX "index_jobs_on_queue_and_run_at" ON "jobs" USING btree ("queue","run_at") WHERE "jobs"."state" = 'queued';--> statement-breakpoint
CREATE UNIQUE INDEX "index_jobs_on_unique_key" ON "jobs" USING btree ("unique_key") WHERE "jobs"."state" <> 'dead';--> statement-breakpoint
CREATE UNIQUE INDEX "index_mutes_on_account_id_and_target_account_id" ON "mutes" USING btree ("account_id","target_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_oauth_access_grants_on_code_digest" ON "oauth_access_grants" USING btree ("code_digest");--> statement-breakpoint
CREATE UNIQUE INDEX "index_oauth_access_tokens_on_token_digest" ON "oauth_access_tokens" USING btree ("token_digest");--> statement-breakpoint
CREATE INDEX "index_oauth_access_tokens_on_user_id" ON "oauth_access_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_oauth_applications_on_uid" ON "oauth_applications" USING btree ("uid");--> statement-breakpoint
CREATE UNIQUE INDEX "index_session_activations_on_session_digest" ON "session_activations" USING btree ("session_digest");--> statement-breakpoint
CREATE UNIQUE INDEX "index_users_on_email_lower" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "index_users_on_account_id" ON "users" USING btree ("account_id");