ALTER TABLE "media_attachments" ADD COLUMN "small_file_key" text;--> statement-breakpoint
ALTER TABLE "media_attachments" ADD COLUMN "file_size" integer;--> statement-breakpoint
ALTER TABLE "media_attachments" ADD COLUMN "processing" text DEFAULT 'complete' NOT NULL;--> statement-breakpoint
ALTER TABLE "status_edits" ADD COLUMN "media_attachment_ids" text[];
