-- One-time decisions taken under the migration lock (e.g. whether the demo catalog was seeded).
CREATE TABLE app_markers (
  name text PRIMARY KEY,
  note text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
