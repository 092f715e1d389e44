PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_badge_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`private_key_pem` text,
	`public_key_pem` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
INSERT INTO `__new_badge_keys`("kid", "private_key_pem", "public_key_pem", "created_at", "retired_at") SELECT "kid", "private_key_pem", "public_key_pem", "created_at", "retired_at" FROM `badge_keys`;--> statement-breakpoint
DROP TABLE `badge_keys`;--> statement-breakpoint
ALTER TABLE `__new_badge_keys` RENAME TO `badge_keys`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `events` ADD `payload_digest` text;