-- The day leads the usage key, so that each night's rows are added at the index's end; the
-- key serves queries by day and account, and the index that did is dropped. The key is
-- rebuilt once, in one transaction: on a large history this takes a while and locks the table.
DROP INDEX "license_usage_daily_day_idx";--> statement-breakpoint
ALTER TABLE "license_usage_daily" DROP CONSTRAINT "license_usage_daily_integrated_account_id_license_id_day_pk";--> statement-breakpoint
ALTER TABLE "license_usage_daily" ADD CONSTRAINT "license_usage_daily_day_integrated_account_id_license_id_pk" PRIMARY KEY("day","integrated_account_id","license_id");