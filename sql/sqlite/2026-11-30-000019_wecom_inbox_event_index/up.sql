-- The tag poller asks, at every idle poll, for each corp's newest callback of one event type: an index answers that
-- without reading the whole inbox, which keeps every callback ever stored.
CREATE INDEX wecom_inbox_event ON wecom_inbox(corp, event_type, received_at);
