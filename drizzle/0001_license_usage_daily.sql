CREATE TABLE "license_usage_daily" (
	"integrated_account_id" text NOT NULL,
	"license_id" text NOT NULL,
	"day" date NOT NULL,
	"name" text,
	"status" text,
	"is_paid" boolean,
	"currency" text,
	"unit_amount" numeric,
	"assigned_quantity" bigint,
	"available_quantity" bigint,
	"run_id" bigint NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "license_usage_daily_integrated_account_id_license_id_day_pk" PRIMARY KEY("integrated_account_id","license_id","day")
);
--> statement-breakpoint
CREATE INDEX "license_usage_daily_day_idx" ON "license_usage_daily" USING btree ("day","integrated_account_id");