CREATE TABLE "instance_actor_keys" (
	"algorithm" text PRIMARY KEY NOT NULL,
	"public_key_pem" text NOT NULL,
	"private_key_pem" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "ed25519_public_key_pem" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "ed25519_private_key_pem" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "also_known_as" text[];