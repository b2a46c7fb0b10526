ALTER TABLE "accounts" ADD COLUMN "avatar_description" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "header_description" text DEFAULT '' NOT NULL;
