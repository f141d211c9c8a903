DROP TABLE vault_meta;
DROP TABLE vault_key_policies;
DROP TABLE vault_keys;
