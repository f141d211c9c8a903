//! The effective configuration with secrets hidden, for `siyu config check` and the status screen.

use crate::settings::Settings;

const HIDDEN: &str = "<redacted>";

/// Hides the password in a database URL: `postgres://user:pw@host/db` → `postgres://user:<redacted>@host/db`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((creds, host)) = rest.rsplit_once('@') else {
        // Query-string passwords (`?password=`) are hidden too.
        return redact_query(url);
    };
    let user = creds.split(':').next().unwrap_or("");
    redact_query(&format!("{scheme}://{user}:{HIDDEN}@{host}"))
}

fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        Some((base, q)) => {
            let parts: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}={HIDDEN}"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", parts.join("&"))
        }
        None => url.to_string(),
    }
}

/// The settings as JSON with every secret value replaced. Paths to secret files stay: they are not secrets.
pub fn redacted(s: &Settings) -> serde_json::Value {
    let mut c = s.clone();
    c.database.url = redact_url(&c.database.url);
    if c.crm.token.is_some() {
        c.crm.token = Some(HIDDEN.into());
    }
    if c.sms.token.is_some() {
        c.sms.token = Some(HIDDEN.into());
    }
    if c.smtp.password.is_some() {
        c.smtp.password = Some(HIDDEN.into());
    }
    for corp in &mut c.wecom.corps {
        for v in [&mut corp.secret, &mut corp.token, &mut corp.encoding_aes_key] {
            if v.is_some() {
                *v = Some(HIDDEN.into());
            }
        }
    }
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_secrets() {
        let mut s = Settings::default();
        s.database.url = "postgres://siyu:hunter2@db:5432/siyu?sslmode=require".into();
        s.smtp.password = Some("mailpw".into());
        s.crm.token = Some("crm-bearer".into());
        s.sms.token = Some("sms-bearer".into());
        let text = redacted(&s).to_string();
        assert!(!text.contains("hunter2") && !text.contains("mailpw") && !text.contains("crm-bearer"), "{text}");
        assert!(!text.contains("sms-bearer"), "{text}");
        assert!(text.contains("postgres://siyu:<redacted>@db:5432/siyu?sslmode=require"));
        assert_eq!(redact_url("postgres://h/db?user=a&password=x"), "postgres://h/db?user=a&password=<redacted>");
        assert_eq!(redact_url("sqlite://./data/siyu.db"), "sqlite://./data/siyu.db");
    }
}
