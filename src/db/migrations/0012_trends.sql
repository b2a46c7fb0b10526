ALTER TABLE "accounts" ADD COLUMN "trendable" boolean;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "reviewed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "requested_review_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "statuses" ADD COLUMN "trendable" boolean;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "trendable" boolean;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "reviewed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "requested_review_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "max_score" double precision;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "max_score_at" timestamp with time zone;--> statement-breakpoint
CREATE TABLE "tag_trends" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"tag_id" bigint NOT NULL,
	"score" double precision DEFAULT 0 NOT NULL,
	"rank" integer DEFAULT 0 NOT NULL,
	"allowed" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_trends" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"status_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"score" double precision DEFAULT 0 NOT NULL,
	"rank" integer DEFAULT 0 NOT NULL,
	"allowed" boolean DEFAULT false NOT NULL,
	"language" text
);
--> statement-breakpoint
CREATE TABLE "trend_links" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"url" text NOT NULL,
	"domain" text NOT NULL,
	"language" text,
	"trendable" boolean,
	"reviewed_at" timestamp with time zone,
	"requested_review_at" timestamp with time zone,
	"max_score" double precision,
	"max_score_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trend_link_shares" (
	"link_id" bigint NOT NULL,
	"status_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trend_link_shares_link_id_status_id_pk" PRIMARY KEY("link_id","status_id")
);
--> statement-breakpoint
CREATE TABLE "link_trends" (
	"id" bigint PRIMARY KEY DEFAULT timestamp_id() NOT NULL,
	"link_id" bigint NOT NULL,
	"score" double precision DEFAULT 0 NOT NULL,
	"rank" integer DEFAULT 0 NOT NULL,
	"allowed" boolean DEFAULT false NOT NULL,
	"language" text
);
--> statement-breakpoint
ALTER TABLE "tag_trends" ADD CONSTRAINT "tag_trends_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_trends" ADD CONSTRAINT "status_trends_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_trends" ADD CONSTRAINT "status_trends_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trend_link_shares" ADD CONSTRAINT "trend_link_shares_link_id_trend_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."trend_links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trend_link_shares" ADD CONSTRAINT "trend_link_shares_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trend_link_shares" ADD CONSTRAINT "trend_link_shares_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_trends" ADD CONSTRAINT "link_trends_link_id_trend_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."trend_links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "index_tag_trends_on_tag_id" ON "tag_trends" USING btree ("tag_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_status_trends_on_status_id" ON "status_trends" USING btree ("status_id");--> statement-breakpoint
CREATE INDEX "index_status_trends_on_account_id" ON "status_trends" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "index_trend_links_on_url" ON "trend_links" USING btree ("url");--> statement-breakpoint
CREATE INDEX "index_trend_link_shares_on_status_id" ON "trend_link_shares" USING btree ("status_id");--> statement-breakpoint
CREATE INDEX "index_trend_link_shares_on_link_id_and_created_at" ON "trend_link_shares" USING btree ("link_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "index_link_trends_on_link_id" ON "link_trends" USING btree ("link_id");
