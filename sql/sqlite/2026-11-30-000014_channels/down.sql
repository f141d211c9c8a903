DROP TABLE wecom_welcomes;
DROP INDEX wecom_contacts_state;
DROP TABLE wecom_channels;
