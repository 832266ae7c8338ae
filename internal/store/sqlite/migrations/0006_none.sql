-- sactl schema, version 6: intentionally empty. The master key check value
-- planned for this version became unneeded (R-KEY-10: each business's
-- AES-GCM-sealed data key already tells a different master key apart), and
-- the versions must stay consecutive for databases already at 7.
SELECT 1;
