//! WeCom callbacks accepted per second (issue 6): signature check + AES decrypt + event parse + durable insert
//! into the inbox (`callback::accept`), against the durable insert alone (`callback::store` of events opened
//! beforehand) in the same run, on the database `SIYU_TEST_DATABASE_URL` names (SQLite when unset).
//! Single thread, one connection, alternating rounds so both paths see the same table sizes.
//!
//!   cargo run --release -p siyu-app --example bench_wecom_callback -- [CALLBACKS]

use siyu_app::clock::SystemClock;
use siyu_app::wecom::callback::{self, Outcome, Query};
use siyu_app::Env;
use siyu_config::{Settings, WecomCorp};
use siyu_connectors::wecom::xml::{cdata, event_xml, XmlValue};
use siyu_connectors::wecom::MsgCrypt;
use std::sync::Arc;
use std::time::{Duration, Instant};

const NAME: &str = "bench";
const CORP: &str = "wwbenchcorp00001";
const TOKEN: &str = "QDG6eK";
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const ROUNDS: usize = 10;

fn doc(i: usize, now: i64) -> String {
    event_xml(&[
        ("ToUserName", XmlValue::Text(CORP.into())),
        ("FromUserName", XmlValue::Text("sys".into())),
        ("CreateTime", XmlValue::Number(now)),
        ("MsgType", XmlValue::Text("event".into())),
        ("Event", XmlValue::Text("change_external_contact".into())),
        ("ChangeType", XmlValue::Text("add_external_contact".into())),
        ("UserID", XmlValue::Text("rm000123".into())),
        ("ExternalUserID", XmlValue::Text(format!("wmAJ2GCAAAXtWyujaWJHDDGi0m{i:08}"))),
        ("State", XmlValue::Text("outlet-0042-campaign-7".into())),
        ("WelcomeCode", XmlValue::Text(format!("CBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA{i:08}"))),
    ])
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let per_round = (n / ROUNDS).max(1);
    let db = siyu_store::testing::fresh();
    let keys = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.database.url = db.url.clone();
    settings.data.dir = keys.path().to_path_buf();
    if let Ok(suite) = std::env::var("SIYU_TEST_VAULT_SUITE") {
        settings.vault.suite = suite;
    }
    settings.wecom.corps.push(WecomCorp {
        name: NAME.into(),
        corp_id: CORP.into(),
        token: Some(TOKEN.into()),
        encoding_aes_key: Some(AES_KEY.into()),
        ..Default::default()
    });
    let pool = siyu_store::conn::pool(&db.url, 2, Duration::from_secs(10)).unwrap();
    let mut conn = pool.get().unwrap();
    let ctx = siyu_app::bootstrap::cli_context();
    let vault = siyu_app::keys::open(&mut conn, &settings, true, &ctx).unwrap().vault;
    let env = Env::new(Arc::new(settings), Arc::new(SystemClock), vault).unwrap();
    let crypt = MsgCrypt::new(TOKEN, AES_KEY, CORP).unwrap();
    let now = env.now().timestamp();

    // What WeCom would send (its cost, not ours: prepared before timing).
    let requests: Vec<(Query, String)> = (0..per_round * ROUNDS)
        .map(|i| {
            let nonce = format!("full{i}");
            let s = crypt.seal(&doc(i, now), &now.to_string(), &nonce);
            let body = format!(
                "<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt><AgentID>{}</AgentID></xml>",
                cdata(CORP),
                cdata(&s.encrypt),
                cdata("")
            );
            let q = Query {
                msg_signature: Some(s.msg_signature),
                timestamp: Some(now.to_string()),
                nonce: Some(nonce),
                echostr: None,
            };
            (q, body)
        })
        .collect();
    // The insert-only path gets events already verified and decrypted.
    let opened: Vec<callback::Opened> = (0..per_round * ROUNDS)
        .map(|i| {
            let j = i + per_round * ROUNDS;
            let nonce = format!("plain{i}");
            let s = crypt.seal(&doc(j, now), &now.to_string(), &nonce);
            let body = format!("<xml><Encrypt>{}</Encrypt></xml>", cdata(&s.encrypt));
            let q = Query {
                msg_signature: Some(s.msg_signature),
                timestamp: Some(now.to_string()),
                nonce: Some(nonce),
                echostr: None,
            };
            callback::open(&env, NAME, &q, &body).unwrap()
        })
        .collect();

    let (mut t_full, mut t_insert) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        let range = round * per_round..(round + 1) * per_round;
        let start = Instant::now();
        for o in &opened[range.clone()] {
            let r = callback::store(&mut conn, &env, o).unwrap();
            assert!(matches!(r, Ok(Outcome::Stored(_))));
        }
        t_insert += start.elapsed();
        let start = Instant::now();
        for (q, body) in &requests[range] {
            let r = callback::accept(&mut conn, &env, NAME, q, body).unwrap();
            assert!(matches!(r, Ok(Outcome::Stored(_))));
        }
        t_full += start.elapsed();
    }
    let total = per_round * ROUNDS;
    let rate = |t: Duration| total as f64 / t.as_secs_f64();
    let overhead = (t_full.as_secs_f64() - t_insert.as_secs_f64()) / t_insert.as_secs_f64();
    println!("backend: {}", conn.backend().as_str());
    println!("callbacks: {total} of each kind, {ROUNDS} alternating rounds, one connection");
    println!("verify + decrypt + parse + insert: {:>9.0} callbacks/s", rate(t_full));
    println!("insert only (same events):         {:>9.0} callbacks/s", rate(t_insert));
    println!("crypto cost relative to the insert path: {:.1}% (goal < 20%)", overhead * 100.0);
    if std::env::var("BENCH_CHECK").is_ok_and(|v| v == "1") && overhead >= 0.20 {
        eprintln!("crypto costs {:.1}% of the insert path, over the 20% goal", overhead * 100.0);
        std::process::exit(1);
    }
}
