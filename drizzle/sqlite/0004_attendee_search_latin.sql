-- Attendee search learns Latin spellings of other scripts (any-ascii beside the folded original, Arabic consonant skeletons):
-- every indexed row is dropped here and the attendee service indexes each attendee again at start (its backfill of missing rows).
-- The delete trigger would remove the rows from FTS one by one; emptying the index at once is the same end state, faster.
DROP TRIGGER `attendee_search_docs_ad`;
--> statement-breakpoint
DELETE FROM `attendee_search_docs`;
--> statement-breakpoint
INSERT INTO `attendee_search` (`attendee_search`) VALUES ('delete-all');
--> statement-breakpoint
CREATE TRIGGER `attendee_search_docs_ad` AFTER DELETE ON `attendee_search_docs` BEGIN
	INSERT INTO `attendee_search` (`attendee_search`, rowid, `name`, `organization`, `email`) VALUES ('delete', old.`docid`, old.`name`, old.`organization`, old.`email`);
END;
