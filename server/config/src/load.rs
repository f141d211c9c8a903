//! Loading and validating the configuration.

use crate::settings::Settings;
use std::net::SocketAddr;
use std::path::Path;

/// A configuration problem, naming the key and the reason.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { key: key.into(), reason: reason.into() }
    }
}

/// Loads defaults, then `file` if given, then the environment `env` (pairs of name and value; pass
/// `std::env::vars()` in production, a fixed list in tests).
pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Settings, ConfigError> {
    let mut builder = config::Config::builder();
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError::new("--config", format!("{} is not a readable file", path.display())));
        }
        builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
    }
    let vars: config::Map<String, String> = env.into_iter().filter(|(k, _)| k.starts_with("SIYU__")).collect();
    builder = builder.add_source(
        config::Environment::with_prefix("SIYU")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            .source(Some(vars)),
    );
    let raw = builder.build().map_err(describe)?;
    let mut s: Settings = raw.try_deserialize().map_err(describe)?;
    resolve_secret_files(&mut s)?;
    validate(&s)?;
    Ok(s)
}

/// Turns the `config` crate's message ("invalid type: … for key `server.bind`") into key + reason.
fn describe(e: config::ConfigError) -> ConfigError {
    let text = e.to_string();
    let key = text
        .split('`')
        .nth(1)
        .map(str::to_string)
        .or_else(|| text.split("unknown field ").nth(1).map(|r| r.split(',').next().unwrap_or(r).to_string()))
        .unwrap_or_else(|| "configuration".into());
    ConfigError::new(key, text)
}

fn read_secret(key: &str, path: &Path) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(key, format!("cannot read {}: {e}", path.display())))?;
    let value = text.trim().to_string();
    if value.is_empty() {
        return Err(ConfigError::new(key, format!("{} is empty", path.display())));
    }
    Ok(value)
}

fn resolve_secret_files(s: &mut Settings) -> Result<(), ConfigError> {
    if let Some(p) = &s.database.url_file {
        s.database.url = read_secret("database.url_file", p)?;
    }
    if let Some(p) = &s.smtp.password_file {
        s.smtp.password = Some(read_secret("smtp.password_file", p)?);
    }
    if let Some(p) = &s.crm.token_file {
        s.crm.token = Some(read_secret("crm.token_file", p)?);
    }
    if let Some(p) = &s.sms.token_file {
        s.sms.token = Some(read_secret("sms.token_file", p)?);
    }
    for (i, corp) in s.wecom.corps.iter_mut().enumerate() {
        if let Some(p) = &corp.secret_file {
            corp.secret = Some(read_secret(&format!("wecom.corps[{i}].secret_file"), p)?);
        }
        if let Some(p) = &corp.token_file {
            corp.token = Some(read_secret(&format!("wecom.corps[{i}].token_file"), p)?);
        }
        if let Some(p) = &corp.encoding_aes_key_file {
            corp.encoding_aes_key = Some(read_secret(&format!("wecom.corps[{i}].encoding_aes_key_file"), p)?);
        }
    }
    Ok(())
}

fn positive(key: &str, v: i64) -> Result<(), ConfigError> {
    if v <= 0 {
        return Err(ConfigError::new(key, "must be greater than 0"));
    }
    Ok(())
}

fn validate(s: &Settings) -> Result<(), ConfigError> {
    s.server.bind.parse::<SocketAddr>().map_err(|_| {
        ConfigError::new("server.bind", format!("{:?} is not host:port (e.g. 127.0.0.1:8080)", s.server.bind))
    })?;
    if s.server.body_limit_bytes < 1024 {
        return Err(ConfigError::new("server.body_limit_bytes", "must be at least 1024"));
    }
    match (&s.server.tls.cert_file, &s.server.tls.key_file) {
        (Some(c), Some(k)) => {
            for (key, p) in [("server.tls.cert_file", c), ("server.tls.key_file", k)] {
                if !p.is_file() {
                    return Err(ConfigError::new(key, format!("{} does not exist", p.display())));
                }
            }
        }
        (None, None) => {}
        (Some(_), None) => {
            return Err(ConfigError::new("server.tls.key_file", "is required with server.tls.cert_file"))
        }
        (None, Some(_)) => {
            return Err(ConfigError::new("server.tls.cert_file", "is required with server.tls.key_file"))
        }
    }
    let url = &s.database.url;
    if !(url.starts_with("sqlite://") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConfigError::new("database.url", "must start with sqlite://, postgres:// or postgresql://"));
    }
    if !(1..=1000).contains(&s.database.pool_size) {
        return Err(ConfigError::new("database.pool_size", "must be between 1 and 1000"));
    }
    if !(1..=1000).contains(&s.crm.page_size) {
        return Err(ConfigError::new("crm.page_size", "must be between 1 and 1000"));
    }
    if let Some(u) = &s.crm.base_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(ConfigError::new("crm.base_url", "must start with https:// (or http:// inside the bank)"));
        }
    }
    positive("crm.timeout_secs", s.crm.timeout_secs as i64)?;
    if let Some(u) = &s.sms.base_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(ConfigError::new("sms.base_url", "must start with https:// (or http:// inside the bank)"));
        }
        let a = &s.sms.account;
        if a.is_empty() || a.len() > 64 || !a.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::new("sms.account", "must be 1 to 64 visible ASCII characters"));
        }
    }
    positive("sms.timeout_secs", s.sms.timeout_secs as i64)?;
    if let Some(d) = &s.outbound.dir {
        if !d.is_dir() {
            return Err(ConfigError::new("outbound.dir", format!("{} is not a folder", d.display())));
        }
    }
    let a = &s.auth;
    positive("auth.session_idle_minutes", a.session_idle_minutes)?;
    positive("auth.admin_session_idle_minutes", a.admin_session_idle_minutes)?;
    positive("auth.session_absolute_hours", a.session_absolute_hours)?;
    positive("auth.lockout_window_minutes", a.lockout_window_minutes)?;
    positive("auth.lockout_minutes", a.lockout_minutes)?;
    positive("auth.lockout_threshold", a.lockout_threshold as i64)?;
    positive("auth.address_max_failures", a.address_max_failures as i64)?;
    let p = &a.password;
    if p.min_length < 8 {
        return Err(ConfigError::new("auth.password.min_length", "must be at least 8"));
    }
    if p.max_length < 64 || p.max_length < p.min_length {
        return Err(ConfigError::new("auth.password.max_length", "must be at least 64 and not below min_length"));
    }
    if !(1..=4).contains(&p.min_classes) {
        return Err(ConfigError::new("auth.password.min_classes", "must be between 1 and 4"));
    }
    if let Some(f) = &p.common_list_file {
        if !f.is_file() {
            return Err(ConfigError::new("auth.password.common_list_file", format!("{} does not exist", f.display())));
        }
    }
    if !["aes256gcm", "sm4gcm", "aes-256-gcm", "sm4-gcm"].contains(&s.vault.suite.as_str()) {
        return Err(ConfigError::new("vault.suite", "must be aes256gcm or sm4gcm"));
    }
    let encoding = s.import.inbound_encoding.to_ascii_lowercase().replace('-', "");
    if !["utf8", "gbk", "cp936", "gb18030"].contains(&encoding.as_str()) {
        // Otherwise every file of the folder would be refused, one by one, long after the start.
        return Err(ConfigError::new("import.inbound_encoding", "must be utf-8, gbk or gb18030"));
    }
    if !(0.0..=1.0).contains(&s.import.max_reject_share) {
        return Err(ConfigError::new("import.max_reject_share", "must be between 0 and 1"));
    }
    if s.vault.unmask_daily_limit == 0 {
        return Err(ConfigError::new("vault.unmask_daily_limit", "must be at least 1"));
    }
    if !["starttls", "tls", "none"].contains(&s.smtp.tls.as_str()) {
        return Err(ConfigError::new("smtp.tls", "must be starttls, tls or none"));
    }
    if s.smtp.host.is_some() && s.smtp.from.is_none() {
        return Err(ConfigError::new("smtp.from", "is needed when smtp.host is set"));
    }
    if !(1..=100).contains(&s.wecom.sync_page_size) {
        return Err(ConfigError::new("wecom.sync_page_size", "must be between 1 and 100 (WeCom's limit)"));
    }
    if s.wecom.rate_per_minute == 0 || s.wecom.rate_per_hour == 0 {
        return Err(ConfigError::new("wecom.rate_per_minute", "the rates must be at least 1"));
    }
    for (i, corp) in s.wecom.corps.iter().enumerate() {
        if corp.name.is_empty() || !corp.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(ConfigError::new(format!("wecom.corps[{i}].name"), "must be a non-empty [A-Za-z0-9_-] name"));
        }
    }
    tracing_filter_ok(&s.log.level)
}

fn tracing_filter_ok(level: &str) -> Result<(), ConfigError> {
    let ok = !level.trim().is_empty()
        && level.split(',').all(|part| {
            let lvl = part.rsplit('=').next().unwrap_or("");
            ["trace", "debug", "info", "warn", "error", "off"].contains(&lvl.trim().to_ascii_lowercase().as_str())
        });
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new("log.level", format!("{level:?} is not a filter such as info or siyu_web=debug,info")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{LogFormat, Mode};

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_run_with_no_file() {
        let s = load(None, vec![]).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://./data/siyu.db");
        assert_eq!(s.mode, Mode::Development);
        assert_eq!(s.log_format(), LogFormat::Pretty);
        assert!(!s.server.tls.enabled());
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("siyu.toml");
        std::fs::write(&f, "mode = \"production\"\n[server]\nbind = \"0.0.0.0:9000\"\n[auth]\nlockout_threshold = 7\n")
            .unwrap();
        let s = load(Some(&f), env(&[("SIYU__SERVER__BIND", "127.0.0.1:9100"), ("OTHER", "x")])).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:9100", "environment wins over the file");
        assert_eq!(s.auth.lockout_threshold, 7);
        assert_eq!(s.log_format(), LogFormat::Json);
    }

    #[test]
    fn secrets_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("db-url");
        std::fs::write(&f, "postgres://siyu:s3cret@db/siyu\n").unwrap();
        let s = load(None, env(&[("SIYU__DATABASE__URL_FILE", f.to_str().unwrap())])).unwrap();
        assert_eq!(s.database.url, "postgres://siyu:s3cret@db/siyu");
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cases = [
            ("SIYU__SERVER__BIND", "not-an-address", "server.bind"),
            ("SIYU__DATABASE__URL", "mysql://x", "database.url"),
            ("SIYU__DATABASE__POOL_SIZE", "0", "database.pool_size"),
            ("SIYU__AUTH__LOCKOUT_THRESHOLD", "many", "auth.lockout_threshold"),
            ("SIYU__AUTH__PASSWORD__MIN_LENGTH", "4", "auth.password.min_length"),
            ("SIYU__LOG__LEVEL", "loud", "log.level"),
            ("SIYU__SERVER__TLS__CERT_FILE", "/nonexistent.pem", "server.tls.key_file"),
            ("SIYU__DATABASE__URL_FILE", "/nonexistent", "database.url_file"),
            ("SIYU__MODE", "chaos", "mode"),
            ("SIYU__IMPORT__INBOUND_ENCODING", "latin1", "import.inbound_encoding"),
        ];
        for (k, v, key) in cases {
            let e = load(None, env(&[(k, v)])).unwrap_err();
            assert!(e.to_string().contains(key), "{k}={v}: {e}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("siyu.toml");
        std::fs::write(&f, "[server]\nbnd = \"0.0.0.0:9000\"\n").unwrap();
        let e = load(Some(&f), vec![]).unwrap_err();
        assert!(e.to_string().contains("bnd"), "{e}");
    }
}
