CREATE TABLE "integrated_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text,
	"integration" text,
	"truto_status" text,
	"supports_licenses" boolean,
	"needs_reauth" boolean DEFAULT false NOT NULL,
	"last_run_id" bigint,
	"last_run_at" timestamp with time zone,
	"last_run_status" text,
	"last_success_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"listed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "license_products" (
	"integrated_account_id" text NOT NULL,
	"license_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text,
	"status" text,
	CONSTRAINT "license_products_integrated_account_id_license_id_id_pk" PRIMARY KEY("integrated_account_id","license_id","id")
);
--> statement-breakpoint
CREATE TABLE "license_roles" (
	"integrated_account_id" text NOT NULL,
	"license_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text,
	CONSTRAINT "license_roles_integrated_account_id_license_id_id_pk" PRIMARY KEY("integrated_account_id","license_id","id")
);
--> statement-breakpoint
CREATE TABLE "licenses" (
	"integrated_account_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text,
	"description" text,
	"status" text,
	"is_paid" boolean,
	"currency" text,
	"unit_amount" numeric,
	"assigned_quantity" bigint,
	"available_quantity" bigint,
	"remote_created_at" timestamp with time zone,
	"remote_updated_at" timestamp with time zone,
	"remote_data" jsonb,
	"content_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"listed_twice_at" timestamp with time zone,
	CONSTRAINT "licenses_integrated_account_id_id_pk" PRIMARY KEY("integrated_account_id","id")
);
--> statement-breakpoint
CREATE TABLE "sync_checkpoints" (
	"integrated_account_id" text PRIMARY KEY NOT NULL,
	"pass_started_at" timestamp with time zone NOT NULL,
	"next_cursor" text NOT NULL,
	"pages_done" integer NOT NULL,
	"saw_partial_response" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_held_licenses" (
	"integrated_account_id" text NOT NULL,
	"license_id" text NOT NULL,
	"pass_started_at" timestamp with time zone NOT NULL,
	"license" jsonb NOT NULL,
	CONSTRAINT "sync_held_licenses_integrated_account_id_license_id_pk" PRIMARY KEY("integrated_account_id","license_id")
);
--> statement-breakpoint
CREATE TABLE "sync_rejects" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"integrated_account_id" text NOT NULL,
	"license_id" text,
	"field" text,
	"reason" text NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"integrated_account_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"license_id" text,
	"resumed" boolean DEFAULT false NOT NULL,
	"pass_started_at" timestamp with time zone NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"records_seen" integer DEFAULT 0 NOT NULL,
	"written" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL,
	"error" text,
	CONSTRAINT "sync_runs_status_check" CHECK ("sync_runs"."status" in ('running', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "integrated_accounts_integration_idx" ON "integrated_accounts" USING btree ("integration");--> statement-breakpoint
CREATE INDEX "license_products_product_idx" ON "license_products" USING btree ("integrated_account_id","id");--> statement-breakpoint
CREATE INDEX "licenses_synced_at_idx" ON "licenses" USING btree ("synced_at");--> statement-breakpoint
CREATE INDEX "sync_rejects_run_idx" ON "sync_rejects" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "sync_rejects_account_idx" ON "sync_rejects" USING btree ("integrated_account_id","created_at");--> statement-breakpoint
CREATE INDEX "sync_runs_account_idx" ON "sync_runs" USING btree ("integrated_account_id","started_at");