-- Devise's reconfirmable: a changed address waits here until the link mailed to it is opened.
ALTER TABLE "users" ADD COLUMN "unconfirmed_email" text;--> statement-breakpoint
-- The app a member signed up through (Mastodon's created_by_application_id): only it may resend the confirmation mail.
ALTER TABLE "users" ADD COLUMN "created_by_application_id" bigint REFERENCES "oauth_applications"("id") ON DELETE SET NULL;--> statement-breakpoint
-- Mastodon's login_activities: each sign-in from the web, with where it came from. Successful ones are the
-- addresses SuspiciousSignInDetector knows; kept as long as IP_RETENTION_PERIOD keeps other addresses.
CREATE TABLE "login_activities" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"user_id" bigint NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
	"authentication_method" text NOT NULL,
	"success" boolean NOT NULL,
	"failure_reason" text,
	"ip" text,
	"user_agent" text NOT NULL DEFAULT '',
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "index_login_activities_on_user_id" ON "login_activities" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "index_login_activities_on_created_at" ON "login_activities" USING btree ("created_at");
