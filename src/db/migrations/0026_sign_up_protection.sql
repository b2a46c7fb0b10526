-- Sign-up protection (Mastodon's e-mail domain blocks, canonical e-mail blocks, IP blocks and
-- invites) and admin-defined webhooks.
CREATE TABLE "email_domain_blocks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"domain" text NOT NULL,
	"parent_id" bigint,
	"allow_with_approval" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "email_domain_blocks" ADD CONSTRAINT "email_domain_blocks_parent_id_email_domain_blocks_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."email_domain_blocks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_email_domain_blocks_on_domain" ON "email_domain_blocks" USING btree ("domain");--> statement-breakpoint
-- Each sign-up a block stopped: the history the admin API shows (uses, and accounts as distinct addresses, per day).
CREATE TABLE "email_domain_block_attempts" (
	"email_domain_block_id" bigint NOT NULL,
	"ip" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "email_domain_block_attempts" ADD CONSTRAINT "email_domain_block_attempts_block_id_fk" FOREIGN KEY ("email_domain_block_id") REFERENCES "public"."email_domain_blocks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "index_email_domain_block_attempts_on_block_id_and_created_at" ON "email_domain_block_attempts" USING btree ("email_domain_block_id","created_at");--> statement-breakpoint
CREATE TABLE "canonical_email_blocks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"canonical_email_hash" text NOT NULL,
	"reference_account_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "canonical_email_blocks" ADD CONSTRAINT "canonical_email_blocks_reference_account_id_accounts_id_fk" FOREIGN KEY ("reference_account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_canonical_email_blocks_on_canonical_email_hash" ON "canonical_email_blocks" USING btree ("canonical_email_hash");--> statement-breakpoint
CREATE TABLE "ip_blocks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"ip" inet NOT NULL,
	"severity" text NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "index_ip_blocks_on_ip" ON "ip_blocks" USING btree ("ip");--> statement-breakpoint
CREATE TABLE "invites" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"user_id" bigint NOT NULL,
	"code" text NOT NULL,
	"expires_at" timestamp with time zone,
	"max_uses" integer,
	"uses" integer DEFAULT 0 NOT NULL,
	"autofollow" boolean DEFAULT false NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_invites_on_code" ON "invites" USING btree ("code");--> statement-breakpoint
CREATE INDEX "index_invites_on_user_id" ON "invites" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "invite_id" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_invite_id_invites_id_fk" FOREIGN KEY ("invite_id") REFERENCES "public"."invites"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"url" text NOT NULL,
	"events" text[] DEFAULT '{}' NOT NULL,
	"secret" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "index_webhooks_on_url" ON "webhooks" USING btree ("url");
