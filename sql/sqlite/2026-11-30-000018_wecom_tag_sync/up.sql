-- When each corp's tag catalogue was last pulled from WeCom, and up to which stored callback: a
-- change_external_tag callback received after `through_received_at` means the catalogue must be pulled again.
CREATE TABLE wecom_tag_syncs (
    corp                 TEXT NOT NULL PRIMARY KEY,
    synced_at            TIMESTAMP NOT NULL,
    through_received_at  TIMESTAMP NOT NULL
);
