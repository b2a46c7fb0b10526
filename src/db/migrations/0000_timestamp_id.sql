-- Mastodon-style ids: milliseconds since the epoch in the high 48 bits, a sequence in the low 16.
-- Ids made in the same millisecond by any process differ by their sequence number, and ids sort by time.
CREATE SEQUENCE IF NOT EXISTS timestamp_id_seq;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION timestamp_id(at timestamptz DEFAULT clock_timestamp()) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
  SELECT (floor(extract(epoch FROM at) * 1000)::bigint << 16) | (nextval('timestamp_id_seq') & 65535);
$$;
