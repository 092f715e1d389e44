-- The log head starts at seq 0 with the genesis hash (GENESIS_HASH in src/live/event-log.ts): the first append takes seq 1 and chains onto it.
INSERT INTO "event_head" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));
