ALTER TABLE "accounts" RENAME COLUMN "avatar_url" TO "avatar_remote_url";--> statement-breakpoint
ALTER TABLE "accounts" RENAME COLUMN "header_url" TO "header_remote_url";--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "avatar_file_key" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "avatar_static_file_key" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "avatar_content_type" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "header_file_key" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "header_static_file_key" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "header_content_type" text;
