DROP INDEX wecom_inbox_event;
