-- Orders gain what a checkout people recognise needs: a number for people (never used to look an
-- order up: the random id is the buyer's link), the split of the total, and the shipment.
CREATE SEQUENCE order_numbers START 1001;

ALTER TABLE orders
  ADD COLUMN number bigint,
  ADD COLUMN subtotal_cents bigint,
  ADD COLUMN shipping_cents bigint NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0),
  ADD COLUMN tax_cents bigint NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
  ADD COLUMN shipping jsonb;

-- Orders placed before this migration: numbered in the order they were placed, goods-only totals.
UPDATE orders SET number = n.number, subtotal_cents = total_cents
FROM (SELECT id, nextval('order_numbers') AS number FROM (SELECT id FROM orders ORDER BY created_at, id) o) n
WHERE orders.id = n.id;

ALTER TABLE orders
  ALTER COLUMN number SET DEFAULT nextval('order_numbers'),
  ALTER COLUMN number SET NOT NULL,
  ALTER COLUMN subtotal_cents SET NOT NULL,
  ADD CONSTRAINT orders_number_key UNIQUE (number),
  ADD CONSTRAINT orders_subtotal_cents_check CHECK (subtotal_cents >= 0),
  ADD CONSTRAINT orders_total_is_the_sum CHECK (total_cents = subtotal_cents + shipping_cents + tax_cents);
ALTER SEQUENCE order_numbers OWNED BY orders.number;
