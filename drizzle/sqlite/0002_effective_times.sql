ALTER TABLE `sessions` ADD `effective_starts_at` integer GENERATED ALWAYS AS (starts_at + delay_minutes * 60000) VIRTUAL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `effective_ends_at` integer GENERATED ALWAYS AS (ends_at + delay_minutes * 60000) VIRTUAL;--> statement-breakpoint
CREATE INDEX `sessions_room_effective_start` ON `sessions` (`room_id`,`effective_starts_at`);