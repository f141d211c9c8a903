DROP INDEX wecom_welcomes_pending;
DROP INDEX wecom_inbox_event;
