-- A rollback to a version that was turned down (a person rejected it, or it failed its evaluation) must
-- be forced with a reason; the move records why the version had been turned down, beside who forced it
-- and why (actor, reason). Null for every other move.
ALTER TABLE alias_history ADD COLUMN forced_over text;
