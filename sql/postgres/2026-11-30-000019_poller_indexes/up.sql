-- What the engine's pollers ask at every idle poll, answered from an index rather than by reading tables that keep
-- every row ever written: the tag poller's newest callback of one event type per corp, and the inbox poller's corps
-- with welcome messages still pending.
CREATE INDEX wecom_inbox_event ON wecom_inbox(corp, event_type, received_at);
CREATE INDEX wecom_welcomes_pending ON wecom_welcomes(status, corp);
