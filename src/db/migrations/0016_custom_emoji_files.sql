ALTER TABLE "custom_emojis" ALTER COLUMN "image_url" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "custom_emojis" ALTER COLUMN "static_image_url" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "custom_emojis" ADD COLUMN "image_file_key" text;--> statement-breakpoint
ALTER TABLE "custom_emojis" ADD COLUMN "image_static_file_key" text;--> statement-breakpoint
ALTER TABLE "custom_emojis" ADD COLUMN "image_content_type" text;--> statement-breakpoint
ALTER TABLE "custom_emojis" ADD COLUMN "uri" text;--> statement-breakpoint
ALTER TABLE "custom_emojis" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;
