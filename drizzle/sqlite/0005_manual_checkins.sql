ALTER TABLE `checkins` ADD `method` text DEFAULT 'scan' NOT NULL;--> statement-breakpoint
ALTER TABLE `checkins` ADD `manual_reason` text;