-- The shop's first schema. Money is integer cents; every rule the code relies on is also a constraint.

CREATE TABLE products (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku text NOT NULL UNIQUE CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]{0,63}$'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  stock integer NOT NULL CHECK (stock >= 0),
  image_path text CHECK (image_path IS NULL OR char_length(image_path) <= 2048),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Carts normally live in Redis; this is where they go when Redis is unavailable.
CREATE TABLE carts (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX carts_expires_at_idx ON carts (expires_at);

CREATE TABLE cart_items (
  cart_id uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  quantity integer NOT NULL CHECK (quantity > 0 AND quantity <= 99),
  PRIMARY KEY (cart_id, product_id)
);

CREATE TABLE orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
  email text CHECK (email IS NULL OR (char_length(email) <= 254 AND email LIKE '%_@_%')),
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id integer NOT NULL REFERENCES products (id),
  sku text NOT NULL,
  name text NOT NULL,
  unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),
  quantity integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);

-- One row per Idempotency-Key: the first request inserts it in the same transaction as its order,
-- so a concurrent duplicate blocks on the unique key until that transaction ends, then replays.
CREATE TABLE idempotency_keys (
  key text PRIMARY KEY CHECK (char_length(key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  response_status integer,
  response_body json, -- json, not jsonb: replays keep the exact bytes (key order) of the first answer
  order_id uuid REFERENCES orders (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
