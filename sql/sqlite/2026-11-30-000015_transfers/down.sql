DROP TABLE wecom_add_targets;
DROP TABLE wecom_contact_events;
DROP TABLE wecom_transfers;
