-- Buying credits with Stripe (edge/stripe.ts): the Checkout Sessions the edge created — what each
-- payment buys, for whom — and every webhook event received, by its id, so none is applied twice.
-- The credits themselves live in each user's ledger (edge/ledger); these tables only say why.

CREATE TABLE checkout_sessions (
  id              TEXT PRIMARY KEY,             -- Stripe's cs_…
  user_id         TEXT NOT NULL,
  pack            TEXT NOT NULL,                -- the CREDIT_PACKS id
  credits         INTEGER NOT NULL,             -- what the payment buys, as configured when the session was created
  amount          INTEGER NOT NULL,             -- the price, in the currency's smallest unit
  currency        TEXT NOT NULL,
  status          TEXT NOT NULL,                -- open | paid | partially_refunded | refunded | disputed
  payment_intent  TEXT,                         -- pi_…, once paid
  reversed_micros INTEGER NOT NULL DEFAULT 0,   -- credits taken back by refunds and disputes so far
  created_at      INTEGER NOT NULL,
  paid_at         INTEGER
);
CREATE INDEX checkout_sessions_user ON checkout_sessions (user_id, created_at);
CREATE UNIQUE INDEX checkout_sessions_payment_intent ON checkout_sessions (payment_intent) WHERE payment_intent IS NOT NULL;

CREATE TABLE stripe_events (
  id             TEXT PRIMARY KEY,              -- Stripe's evt_…
  type           TEXT NOT NULL,
  created        INTEGER NOT NULL,              -- when Stripe created it (seconds)
  received_at    INTEGER NOT NULL,              -- ms
  status         TEXT NOT NULL,                 -- applied | duplicate | unpaid | unmatched | deferred | ignored
  user_id        TEXT,
  payment_intent TEXT,
  note           TEXT,
  payload        TEXT                           -- kept only while deferred: applied once its payment is known
);
CREATE INDEX stripe_events_deferred ON stripe_events (payment_intent) WHERE status = 'deferred';
