DROP TABLE set_aside_foreign_keys;
