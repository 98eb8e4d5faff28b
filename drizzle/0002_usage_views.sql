-- Written by hand (drizzle-kit generate --custom): drizzle-kit puts the views it generates in
-- schema "public", but every object here must land in DATABASE_SCHEMA, the first schema on the
-- migrating connection's search_path. The seat and cost rules live once, in these functions,
-- and every view applies them.

-- Idle seats: available minus assigned. Microsoft 365 reports consumed units against enabled
-- prepaid units only, so assigned may exceed available: such a license has no idle seat
-- (and a utilization above 1), never a negative count. NULL when either quantity is unknown.
CREATE FUNCTION seat_idle_count(assigned bigint, available bigint) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT greatest(available - assigned, 0) $$;
--> statement-breakpoint
-- Assigned over available, to four places; NULL when either is unknown or nothing is available.
CREATE FUNCTION seat_utilization(assigned bigint, available bigint) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT round(assigned::numeric / nullif(available, 0), 4) $$;
--> statement-breakpoint
-- What a number of seats costs a month. Truto does not document the billing period of
-- unit_amount; it is taken as monthly. A license marked unpaid costs nothing; otherwise the
-- cost is NULL unless the quantity, the unit amount and the currency are all known.
CREATE FUNCTION seat_monthly_cost(seats bigint, unit_amount numeric, currency text, is_paid boolean)
  RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT CASE
      WHEN seats IS NULL THEN NULL
      WHEN is_paid = false THEN 0
      WHEN unit_amount IS NULL OR currency IS NULL THEN NULL
      ELSE seats * unit_amount
    END
  $$;
--> statement-breakpoint
CREATE VIEW license_utilization AS
  SELECT
    l.integrated_account_id,
    l.id AS license_id,
    l.name,
    l.status,
    l.is_paid,
    l.currency,
    l.unit_amount,
    l.assigned_quantity,
    l.available_quantity,
    seat_idle_count(l.assigned_quantity, l.available_quantity) AS idle_seats,
    seat_utilization(l.assigned_quantity, l.available_quantity) AS utilization,
    seat_monthly_cost(l.assigned_quantity, l.unit_amount, l.currency, l.is_paid)
      AS assigned_monthly_cost,
    seat_monthly_cost(
      seat_idle_count(l.assigned_quantity, l.available_quantity),
      l.unit_amount, l.currency, l.is_paid
    ) AS idle_monthly_cost,
    l.last_seen_at
  FROM licenses l
  WHERE l.deleted_at IS NULL;
--> statement-breakpoint
-- One row per account and currency: amounts in two currencies are never added up. Seat sums
-- and the utilization cover the licenses whose both quantities are known (licenses_with_seats);
-- cost sums cover the priced ones (priced_licenses).
CREATE VIEW license_account_summary AS
  SELECT
    u.integrated_account_id,
    a.integration,
    u.currency,
    count(*) AS licenses,
    count(u.idle_seats) AS licenses_with_seats,
    count(u.assigned_monthly_cost) AS priced_licenses,
    sum(u.assigned_quantity) FILTER (WHERE u.idle_seats IS NOT NULL)::bigint AS assigned_seats,
    sum(u.available_quantity) FILTER (WHERE u.idle_seats IS NOT NULL)::bigint AS available_seats,
    sum(u.idle_seats)::bigint AS idle_seats,
    seat_utilization(
      sum(u.assigned_quantity) FILTER (WHERE u.idle_seats IS NOT NULL)::bigint,
      sum(u.available_quantity) FILTER (WHERE u.idle_seats IS NOT NULL)::bigint
    ) AS utilization,
    sum(u.assigned_monthly_cost) AS assigned_monthly_cost,
    sum(u.idle_monthly_cost) AS idle_monthly_cost
  FROM license_utilization u
  LEFT JOIN integrated_accounts a ON a.id = u.integrated_account_id
  GROUP BY u.integrated_account_id, a.integration, u.currency;
--> statement-breakpoint
-- license_usage_daily with the same derived columns, for utilization and spend over time.
CREATE VIEW license_usage_trend AS
  SELECT
    d.integrated_account_id,
    d.license_id,
    d.day,
    d.name,
    d.status,
    d.is_paid,
    d.currency,
    d.unit_amount,
    d.assigned_quantity,
    d.available_quantity,
    seat_idle_count(d.assigned_quantity, d.available_quantity) AS idle_seats,
    seat_utilization(d.assigned_quantity, d.available_quantity) AS utilization,
    seat_monthly_cost(d.assigned_quantity, d.unit_amount, d.currency, d.is_paid)
      AS assigned_monthly_cost,
    seat_monthly_cost(
      seat_idle_count(d.assigned_quantity, d.available_quantity),
      d.unit_amount, d.currency, d.is_paid
    ) AS idle_monthly_cost
  FROM license_usage_daily d;
