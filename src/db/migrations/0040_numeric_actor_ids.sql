-- Local accounts known by their numeric ActivityPub id (/ap/users/ID), as Mastodon 4.4's id_scheme numeric_ap_id; those imported from Mastodon keep it.
ALTER TABLE "accounts" ADD COLUMN "numeric_ap_id" boolean DEFAULT false NOT NULL;
