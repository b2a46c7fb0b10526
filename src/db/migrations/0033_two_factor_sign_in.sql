-- Two-factor sign-in, in Mastodon's column shapes (an import from Mastodon fills them as they are):
-- TOTP (users.otp_*: the base32 secret, the last time step used, bcrypt hashes of the recovery codes),
-- security keys (webauthn_credentials: base64url credential id and COSE public key) and the history
-- of sign-ins (login_activities, made by 0032).
ALTER TABLE "users" ADD COLUMN "otp_required_for_login" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "otp_secret" text;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "consumed_timestep" integer;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "otp_backup_codes" text[];
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "webauthn_id" text;
--> statement-breakpoint
CREATE TABLE "webauthn_credentials" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"external_id" text NOT NULL,
	"public_key" text NOT NULL,
	"nickname" text NOT NULL,
	"sign_count" bigint DEFAULT 0 NOT NULL,
	"user_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webauthn_credentials" ADD CONSTRAINT "webauthn_credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE UNIQUE INDEX "index_webauthn_credentials_on_external_id" ON "webauthn_credentials" USING btree ("external_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "index_webauthn_credentials_on_user_id_and_nickname" ON "webauthn_credentials" USING btree ("user_id","nickname");
