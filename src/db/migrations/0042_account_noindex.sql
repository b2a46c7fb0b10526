-- A member's "opt out of search engine indexing" (Mastodon's user setting `noindex`, default false),
-- apart from `indexable` (public posts in full-text search), which it used to be derived from.
ALTER TABLE "accounts" ADD COLUMN "noindex" boolean DEFAULT false NOT NULL;
