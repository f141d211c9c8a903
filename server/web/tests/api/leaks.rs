//! REQUIREMENTS A.3 and issue 4's end-to-end promise: after customers and holdings arrive through the API and
//! through a file import, no raw C2 value appears — in UTF-8, UTF-16LE, GBK or base64 — in the SQLite file and
//! its WAL or a `pg_dump` of the PostgreSQL database, in the application log, in `/metrics`, or in any answer to
//! a role without unmask (reads, searches, holdings, events, a masked export, error bodies).

use crate::harness::{logs, TestApp};
use base64::Engine as _;
use serde_json::json;
use siyu_domain::access::Role;
use siyu_domain::layout::{Dataset, Layout};
use siyu_domain::pii::is_resident_id;
use std::sync::Arc;

/// An 18-character resident ID with a valid GB 11643 check character.
fn id_number(body17: &str) -> String {
    "0123456789X".chars().map(|c| format!("{body17}{c}")).find(|s| is_resident_id(s)).unwrap()
}

struct Person {
    customer_no: String,
    name: &'static str,
    mobile: String,
    id_number: String,
    aum_yuan: &'static str,
    address: &'static str,
}

fn people() -> Vec<Person> {
    vec![
        Person {
            customer_no: "7300000101".into(),
            name: "司马青衫",
            mobile: "13957301234".into(),
            id_number: id_number("33010619780315231"),
            aum_yuan: "1234567.89",
            address: "浙江省杭州市西湖区文三路90号3幢501室",
        },
        Person {
            customer_no: "7300000102".into(),
            name: "上官婉清",
            mobile: "18671002468".into(),
            id_number: id_number("42010219850707442"),
            aum_yuan: "765432.10",
            address: "湖北省武汉市江汉区解放大道688号12楼",
        },
    ]
}

/// Every byte string that would betray `value`: UTF-8, UTF-16LE, GBK, and base64 of the UTF-8 bytes at each of
/// the three alignments (only the characters that depend on the value alone, so a match means the value).
fn encodings(value: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("utf-8".to_string(), value.as_bytes().to_vec())];
    out.push(("utf-16le".into(), value.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()));
    let (gbk, _, _) = encoding_rs::GBK.encode(value);
    if gbk.as_ref() != value.as_bytes() {
        out.push(("gbk".into(), gbk.into_owned()));
    }
    let n = value.len();
    for k in 0..3usize {
        let mut bytes = vec![0u8; k];
        bytes.extend_from_slice(value.as_bytes());
        let enc = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let (first, last) = (k.div_ceil(3), (k + n) / 3);
        if last > first {
            out.push((format!("base64+{k}"), enc.as_bytes()[4 * first..4 * last].to_vec()));
        }
    }
    out
}

fn find_leaks(what: &str, haystack: &[u8], raw: &[String]) -> Vec<String> {
    let mut found = vec![];
    for value in raw {
        for (enc, needle) in encodings(value) {
            if haystack.windows(needle.len()).any(|w| w == needle.as_slice()) {
                found.push(format!("{what}: {value} as {enc}"));
            }
        }
    }
    found
}

/// The PostgreSQL backup the operations guide recommends, as plain SQL.
fn pg_dump(url: &str) -> Vec<u8> {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin/pg_dump")).find(|p| p.exists()))
        .unwrap_or_else(|| "pg_dump".into());
    let out = std::process::Command::new(bin).arg("--no-owner").arg(url).output().expect("pg_dump runs");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn import(app: &TestApp, dataset: Dataset, text: &str) {
    use siyu_engine::import::{kind_of, Import, Params};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{}.csv", dataset.as_str()));
    std::fs::write(&path, text).unwrap();
    let layout = Layout::default_for(dataset);
    let enc = siyu_app::imports::Encoding::Utf8;
    let file = siyu_app::imports::check_file(&path, enc, &layout, false).unwrap();
    let ctx = siyu_app::bootstrap::cli_context();
    let params = Params {
        path: path.clone(),
        layout,
        encoding: enc,
        max_reject_share: 0.0,
        report: dir.path().join("rejects.csv"),
        actor: ctx.actor_name.clone(),
        file,
    };
    let new = siyu_store::jobs::NewJob {
        kind: kind_of(dataset),
        params: serde_json::to_value(&params).unwrap(),
        dedupe_key: None,
        created_by: None,
        max_attempts: 1,
    };
    let (job, _) = siyu_engine::enqueue(&mut app.conn(), app.env(), &ctx, new).unwrap();
    let engine = siyu_engine::Engine::new(app.state.pool.clone(), app.env().clone(), vec![Arc::new(Import(dataset))]);
    while engine.run_next().unwrap().is_some() {}
    let done = siyu_store::jobs::get(&mut app.conn(), &job.id).unwrap();
    assert_eq!(done.status, siyu_store::jobs::JobStatus::Succeeded, "{:?}", done.last_error);
}

#[test]
fn no_raw_personal_value_is_stored_logged_served_or_dumped() {
    let app = TestApp::start();
    let org = app.org();
    let ps = people();
    let hq = app.org_hq_operator();
    let mut crm = app.bearer(&hq);

    // Through the API: the first person, with a holding.
    let p = &ps[0];
    let r = crm.post(
        "/api/v1/customers/batch",
        json!({"items": [{"customer_no": p.customer_no, "name": p.name, "mobile": p.mobile, "id_number": p.id_number,
                          "birth_date": "1978-03-15", "risk_level": "C2", "aum_fen": 123_456_789, "outlet_code": "BJ01",
                          "address": p.address}]}),
    );
    assert_eq!(r.json()["results"][0]["status"], "created", "{}", r.body);
    let r = crm.post(
        "/api/v1/holdings/batch",
        json!({"items": [{"customer_no": p.customer_no, "product_code": "WM-0042", "product_name": "稳享理财42号",
                          "product_type": "wealth_management", "product_risk": "R3", "amount_fen": 98_765_432,
                          "maturity_date": "2027-01-15"}]}),
    );
    assert_eq!(r.json()["results"][0]["status"], "created", "{}", r.body);

    // Through files: the second person and a holding.
    let q = &ps[1];
    import(
        &app,
        Dataset::Customers,
        &format!(
            "customer_no,name,id_number,mobile,gender,birth_date,risk_level,risk_assessed_on,aum,outlet_code,rm_employee_no,address\n\
             {},{},{},{},female,1985-07-07,C4,2026-01-10,{},BJ01,,{}\n",
            q.customer_no, q.name, q.id_number, q.mobile, q.aum_yuan, q.address
        ),
    );
    import(
        &app,
        Dataset::Holdings,
        &format!(
            "customer_no,product_code,product_name,product_type,product_risk,amount,start_date,maturity_date,next_open_date,nav,nav_date\n\
             {},FUND-77,成长优选,fund,R4,556677.88,2026-01-02,,,1.2345,2026-11-27\n",
            q.customer_no
        ),
    );

    let mut raw: Vec<String> = vec![];
    for p in &ps {
        raw.extend([
            p.name.to_string(),
            p.mobile.clone(),
            p.id_number.clone(),
            p.aum_yuan.to_string(),
            p.address.to_string(),
        ]);
    }
    raw.extend(["123456789", "1234567.89", "98765432", "987654.32", "556677.88", "55667788"].map(String::from));

    // Everything a role without unmask gets back, byte for byte.
    let rm = app.user("rm.leak", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.bearer(&rm);
    let mut answers: Vec<u8> = vec![];
    let mut keep = |r: crate::harness::Resp| answers.extend_from_slice(r.body.as_bytes());
    let mut ids = vec![];
    for p in &ps {
        let r = c.post("/api/v1/customers/search", json!({"mobile": p.mobile}));
        assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(1), "{}", r.body);
        ids.push(r.json()["items"][0]["id"].as_str().unwrap().to_string());
        keep(r);
        keep(c.post("/api/v1/customers/search", json!({"id_number": p.id_number})));
        keep(c.post("/api/v1/customers/search", json!({"mobile": p.mobile, "id_number": p.id_number})));
    }
    for id in &ids {
        let r = c.get(&format!("/api/v1/customers/{id}"));
        // The address is shown to district level, and only that.
        let shown = r.json()["address"].as_str().unwrap_or_default().to_string();
        assert!(shown == "浙江省杭州市西湖区****" || shown == "湖北省武汉市江汉区****", "{}", r.body);
        keep(r);
        keep(c.get(&format!("/api/v1/customers/{id}/holdings")));
        keep(c.get(&format!("/api/v1/customers/{id}/events")));
        keep(c.post(
            &format!("/api/v1/customers/{id}/unmask"),
            json!({"fields": ["name"], "reason": "I am not allowed"}),
        ));
    }
    let export = crm.post("/api/v1/exports", json!({"kind": "customers", "reason": "leak check"}));
    let export_id = export.json()["id"].as_str().unwrap().to_string();
    keep(export);
    let file = crm.get(&format!("/api/v1/exports/{export_id}/download"));
    assert_eq!(file.status, 200);
    keep(file);
    keep(crm.post("/api/v1/customers/batch", json!({"items": [{"customer_no": "X", "name": "司马青衫", "id_number": "330106197803152319", "outlet_code": "NOWHERE"}]})));
    keep(app.client().get("/metrics"));

    let mut leaks = find_leaks("API answers", &answers, &raw);
    leaks.extend(find_leaks("log", logs().as_bytes(), &raw));
    match app.sqlite_path() {
        Some(path) => {
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            leaks.extend(find_leaks("SQLite file and WAL", &bytes, &raw));
        }
        None => leaks.extend(find_leaks("pg_dump", &pg_dump(&app.env().settings.database.url), &raw)),
    }
    assert!(leaks.is_empty(), "raw personal values leaked:\n{}", leaks.join("\n"));

    // The checks can see a leak: the unmasked values are right there for someone allowed to see them.
    let (_, mut op) = app.hq_operator_session();
    let r = op.post(
        &format!("/api/v1/customers/{}/unmask", ids[0]),
        json!({"fields": ["name", "mobile", "address"], "reason": "verifying the leak test itself"}),
    );
    assert_eq!(r.json()["values"]["address"], ps[0].address, "{}", r.body);
    assert!(!find_leaks("unmask", r.body.as_bytes(), &raw).is_empty());
}
