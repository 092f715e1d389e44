CREATE TABLE `session_sources` (
	`session_id` text PRIMARY KEY NOT NULL,
	`guid` text NOT NULL,
	`source` text NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_sources_guid` ON `session_sources` (`guid`);--> statement-breakpoint
ALTER TABLE `event_settings` ADD `acronym` text;--> statement-breakpoint
ALTER TABLE `event_settings` ADD `conference_url` text;--> statement-breakpoint
ALTER TABLE `event_settings` ADD `base_url` text;--> statement-breakpoint
ALTER TABLE `event_settings` ADD `schedule_time_zone` text;--> statement-breakpoint
ALTER TABLE `event_settings` ADD `day_change` text;--> statement-breakpoint
ALTER TABLE `event_settings` ADD `room_guids` text;