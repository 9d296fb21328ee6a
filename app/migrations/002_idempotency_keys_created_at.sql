-- Idempotency keys are kept for IDEMPOTENCY_KEY_TTL_HOURS, then swept: the sweep reads by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
