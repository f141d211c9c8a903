DROP TABLE wecom_locks;
DROP TABLE wecom_tokens;
DROP TABLE wecom_contacts;
DROP TABLE wecom_nonces;
DROP TABLE wecom_inbox;
