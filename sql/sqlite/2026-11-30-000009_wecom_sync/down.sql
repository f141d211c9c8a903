DROP TABLE wecom_tags;
DROP TABLE wecom_contact_links;
DROP TABLE wecom_follow_details;
