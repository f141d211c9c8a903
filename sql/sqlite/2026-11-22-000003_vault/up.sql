-- Data keys of the vault, each version wrapped by the key-encryption key (which never enters the database).
CREATE TABLE vault_keys (
    key_id       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    suite        TEXT NOT NULL,
    kek_id       TEXT NOT NULL,
    wrapped      TEXT NOT NULL,
    encryptions  BIGINT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (key_id, version)
);

-- Per data key: versions below the minimum are refused for decryption.
CREATE TABLE vault_key_policies (
    key_id                  TEXT NOT NULL PRIMARY KEY,
    min_decryption_version  BIGINT NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);

-- Facts the vault must find unchanged at every start (the blind-index key's id: a changed key would make every
-- lookup silently find nothing).
CREATE TABLE vault_meta (
    name   TEXT NOT NULL PRIMARY KEY,
    value  TEXT NOT NULL
);
