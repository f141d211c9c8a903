-- The full 256-bit values cannot be recovered from the 128 bits kept: a rollback leaves the short indexes, which
-- the older release would not match. Restore from the backup taken before the upgrade instead.
SELECT 1;
