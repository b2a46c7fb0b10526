ALTER TABLE "media_attachments" ADD COLUMN "thumbnail_file_key" text;--> statement-breakpoint
ALTER TABLE "media_attachments" ADD COLUMN "thumbnail_content_type" text;
