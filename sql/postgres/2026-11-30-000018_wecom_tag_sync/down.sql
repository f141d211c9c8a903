DROP TABLE wecom_tag_syncs;
