//! Logs: tracing to stdout, JSON in production and human-readable in development. What is logged is chosen
//! where it is logged: request lines carry the path without its query string, and no secret or personal field
//! is ever passed to a log macro.

use siyu_config::{LogFormat, Settings};
use tracing_subscriber::EnvFilter;

pub fn init(s: &Settings) -> Result<(), String> {
    let filter = EnvFilter::try_new(&s.log.level).map_err(|e| format!("invalid configuration: log.level: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stdout).with_target(false);
    let result = match s.log_format() {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    result.map_err(|e| format!("cannot start logging: {e}"))
}
