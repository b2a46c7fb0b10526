-- Search as Mastodon's (issue 15): statuses by words stemmed in their own language, accounts and
-- hashtags by prefix and trigram similarity.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- The text search configuration of a status's language (ISO 639-1, `pt-BR` read as `pt`): the
-- Snowball stemmers PostgreSQL ships (15 and later), 'simple' for any other language.
CREATE OR REPLACE FUNCTION search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT CASE lower(split_part(replace(coalesce(language, ''), '_', '-'), '-', 1))
    WHEN 'ar' THEN 'arabic'::regconfig WHEN 'hy' THEN 'armenian'::regconfig WHEN 'eu' THEN 'basque'::regconfig
    WHEN 'ca' THEN 'catalan'::regconfig WHEN 'da' THEN 'danish'::regconfig WHEN 'nl' THEN 'dutch'::regconfig
    WHEN 'en' THEN 'english'::regconfig WHEN 'fi' THEN 'finnish'::regconfig WHEN 'fr' THEN 'french'::regconfig
    WHEN 'de' THEN 'german'::regconfig WHEN 'el' THEN 'greek'::regconfig WHEN 'hi' THEN 'hindi'::regconfig
    WHEN 'hu' THEN 'hungarian'::regconfig WHEN 'id' THEN 'indonesian'::regconfig WHEN 'ga' THEN 'irish'::regconfig
    WHEN 'it' THEN 'italian'::regconfig WHEN 'lt' THEN 'lithuanian'::regconfig WHEN 'ne' THEN 'nepali'::regconfig
    WHEN 'no' THEN 'norwegian'::regconfig WHEN 'nb' THEN 'norwegian'::regconfig WHEN 'nn' THEN 'norwegian'::regconfig
    WHEN 'pt' THEN 'portuguese'::regconfig WHEN 'ro' THEN 'romanian'::regconfig WHEN 'ru' THEN 'russian'::regconfig
    WHEN 'sr' THEN 'serbian'::regconfig WHEN 'es' THEN 'spanish'::regconfig WHEN 'sv' THEN 'swedish'::regconfig
    WHEN 'ta' THEN 'tamil'::regconfig WHEN 'tr' THEN 'turkish'::regconfig WHEN 'yi' THEN 'yiddish'::regconfig
    ELSE 'simple'::regconfig
  END
$$;
--> statement-breakpoint
-- What a status is found by: its content warning and text, stemmed in its language, and the words as
-- written ('simple'), so that a search in any language finds the exact word. Mastodon's `text` and
-- `text.stemmed` fields.
CREATE OR REPLACE FUNCTION status_search_document(language text, spoiler_text text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT CASE WHEN search_config(language) = 'simple'::regconfig
    THEN to_tsvector('simple'::regconfig, spoiler_text || ' ' || body)
    ELSE to_tsvector(search_config(language), spoiler_text || ' ' || body) || to_tsvector('simple'::regconfig, spoiler_text || ' ' || body)
  END
$$;
--> statement-breakpoint
-- One document per status (reblogs have none), apart from the statuses table so that reading a status
-- does not read its document; `subspace search deploy` rebuilds them all.
CREATE TABLE "status_search_documents" (
	"status_id" bigint PRIMARY KEY NOT NULL REFERENCES "statuses"("id") ON DELETE CASCADE,
	"document" tsvector NOT NULL
);
--> statement-breakpoint
-- (Each function keeps the search path it was made with: a restore runs with an empty one.)
-- Kept by the database on every write of the text, so that no code path can forget it.
CREATE OR REPLACE FUNCTION statuses_write_search_document() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF NEW.reblog_of_id IS NULL THEN
    INSERT INTO status_search_documents (status_id, document)
      VALUES (NEW.id, status_search_document(NEW.language, NEW.spoiler_text, NEW.text))
      ON CONFLICT (status_id) DO UPDATE SET document = EXCLUDED.document;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "statuses_search_document" AFTER INSERT OR UPDATE OF "text", "spoiler_text", "language" ON "statuses"
  FOR EACH ROW EXECUTE FUNCTION statuses_write_search_document();
--> statement-breakpoint
INSERT INTO "status_search_documents" ("status_id", "document")
  SELECT "id", status_search_document("language", "spoiler_text", "text") FROM "statuses" WHERE "reblog_of_id" IS NULL;
--> statement-breakpoint
DROP INDEX IF EXISTS "index_statuses_on_search_vector";
--> statement-breakpoint
CREATE INDEX "index_status_search_documents_on_document" ON "status_search_documents" USING gin ("document");
--> statement-breakpoint
-- the planner's list of the most common words, ten times the default: how rare a searched word is
-- decides between walking statuses newest first and reading the index (a rare word misjudged as
-- common walks them all)
ALTER TABLE "status_search_documents" ALTER COLUMN "document" SET STATISTICS 1000;
--> statement-breakpoint
CREATE INDEX "index_accounts_on_username_trgm" ON "accounts" USING gin (lower("username") gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX "index_accounts_on_display_name_trgm" ON "accounts" USING gin (lower("display_name") gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX "index_tags_on_name_trgm" ON "tags" USING gin (lower("name") gin_trgm_ops);
--> statement-breakpoint
-- a searcher's library counts the polls they voted in
CREATE INDEX "index_poll_votes_on_account_id" ON "poll_votes" USING btree ("account_id");
