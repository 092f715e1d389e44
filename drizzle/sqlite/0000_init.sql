CREATE TABLE `allocation_plans` (
	`id` text PRIMARY KEY NOT NULL,
	`based_on_seq` integer NOT NULL,
	`request` text NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	`applied_at` integer
);
--> statement-breakpoint
CREATE TABLE `announcements` (
	`id` text PRIMARY KEY NOT NULL,
	`text` text NOT NULL,
	`severity` text NOT NULL,
	`room_ids` text,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`removed_at` integer,
	`created_by` text
);
--> statement-breakpoint
CREATE INDEX `announcements_active` ON `announcements` (`removed_at`,`expires_at`);--> statement-breakpoint
CREATE TABLE `attendees` (
	`id` text PRIMARY KEY NOT NULL,
	`external_id` text,
	`name` text NOT NULL,
	`organization` text DEFAULT '' NOT NULL,
	`category` text NOT NULL,
	`delegation` text,
	`email` text,
	`flags` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'registered' NOT NULL,
	`badge_version` integer DEFAULT 1 NOT NULL,
	`checked_in_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attendees_external_id` ON `attendees` (`external_id`);--> statement-breakpoint
CREATE INDEX `attendees_email` ON `attendees` (`email`);--> statement-breakpoint
CREATE TABLE `badge_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`private_key_pem` text NOT NULL,
	`public_key_pem` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `badges` (
	`attendee_id` text NOT NULL,
	`version` integer NOT NULL,
	`kid` text NOT NULL,
	`code` text NOT NULL,
	`issued_at` integer NOT NULL,
	`revoked_at` integer,
	PRIMARY KEY(`attendee_id`, `version`),
	FOREIGN KEY (`attendee_id`) REFERENCES `attendees`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `checkins` (
	`id` text PRIMARY KEY NOT NULL,
	`scan_id` text NOT NULL,
	`device_id` text NOT NULL,
	`attendee_id` text,
	`badge_version` integer,
	`kind` text NOT NULL,
	`room_id` text,
	`scanned_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`result` text NOT NULL,
	`reason` text,
	`forced` integer DEFAULT false NOT NULL,
	`left_room_id` text,
	`response` text NOT NULL,
	`undone_at` integer,
	`undone_by` text,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`attendee_id`) REFERENCES `attendees`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checkins_scan_id` ON `checkins` (`scan_id`);--> statement-breakpoint
CREATE INDEX `checkins_attendee` ON `checkins` (`attendee_id`,`scanned_at`);--> statement-breakpoint
CREATE INDEX `checkins_room` ON `checkins` (`room_id`,`scanned_at`);--> statement-breakpoint
CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_token_hash` ON `devices` (`token_hash`);--> statement-breakpoint
CREATE TABLE `event_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`time_zone` text NOT NULL,
	`days` text NOT NULL,
	`epoch` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "event_settings_single_row" CHECK("event_settings"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`epoch` text NOT NULL,
	`at` integer NOT NULL,
	`topic` text NOT NULL,
	`name` text NOT NULL,
	`visibility` text NOT NULL,
	`actor_device_id` text,
	`room_ids` text,
	`payload` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_topic` ON `events` (`topic`,`seq`);--> statement-breakpoint
CREATE TABLE `presence` (
	`attendee_id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`since` integer NOT NULL,
	`checkin_id` text NOT NULL,
	FOREIGN KEY (`attendee_id`) REFERENCES `attendees`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`capacity` integer NOT NULL,
	`features` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`occupancy` integer DEFAULT 0 NOT NULL,
	`alert_level` text DEFAULT 'normal' NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rooms_name` ON `rooms` (`name`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`external_key` text,
	`title` text NOT NULL,
	`theme` integer,
	`type` text DEFAULT 'panel' NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`room_id` text NOT NULL,
	`speakers` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'scheduled' NOT NULL,
	`delay_minutes` integer DEFAULT 0 NOT NULL,
	`access` text DEFAULT '{"policy":"open"}' NOT NULL,
	`expected_attendance` integer DEFAULT 0 NOT NULL,
	`required_features` text DEFAULT '[]' NOT NULL,
	`description` text,
	`language` text,
	`version` integer DEFAULT 1 NOT NULL,
	`change_note` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_external_key` ON `sessions` (`external_key`);--> statement-breakpoint
CREATE INDEX `sessions_room_start` ON `sessions` (`room_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `sessions_start` ON `sessions` (`starts_at`);