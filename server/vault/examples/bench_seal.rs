//! Seal + blind-index throughput per core, against plain GCM of the same bytes in the same run
//! (issue 4's benchmark; run through `scripts/bench-vault.sh`).
//!
//! A record is five PII fields of realistic lengths. The vault path does what the store will do
//! per record: normalise and blind-index mobile, ID number and card number, and seal all five
//! fields bound to their table, column and row. The baseline encrypts the same five byte strings
//! with a pre-keyed AES-256-GCM (and, for the SM suite, SM4-GCM) under fresh random nonces and no
//! associated data: the least any encryption at rest could cost.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, AesGcm, Nonce};
use rand::RngCore;
use siyu_domain::pii::{normalize_digits, normalize_id_number, normalize_mobile};
use siyu_vault::{Aad, IndexKey, KeyRing, LocalKek, Suite, Vault};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

const FIELDS: [(&str, &str); 5] = [
    ("customer.name", "name"),
    ("customer.mobile", "mobile"),
    ("customer.id_number", "id_number"),
    ("customer.card", "card_number"),
    ("customer.address", "address"),
];
const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "欧阳", "赵"];
const GIVEN: [&str; 8] = ["伟", "秀英", "娜", "敏", "静", "小明", "建国", "丽"];
const STREETS: [&str; 4] = ["建国路", "解放北路", "文三路", "人民大道"];

struct Record {
    row_id: String,
    fields: [String; 5],
}

/// Deterministic records: valid check digits don't matter to the cipher, lengths do.
fn records(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let name = format!("{}{}", SURNAMES[i % 8], GIVEN[(i / 8) % 8]);
            let mobile = format!("13{}{:08}", 8 + i % 2, i % 100_000_000);
            let id = format!("110105{}{:02}{:02}{:03}{}", 1950 + i % 50, 1 + i % 12, 1 + i % 28, i % 1000, i % 10);
            let card = format!("622202{:013}", i);
            let address =
                format!("浙江省杭州市西湖区{}{}号{}幢{}室", STREETS[i % 4], 1 + i % 300, 1 + i % 30, 101 + i % 1500);
            Record { row_id: format!("c-{i:08}"), fields: [name, mobile, id, card, address] }
        })
        .collect()
}

fn vault(suite: Suite) -> Vault {
    let ring = KeyRing::new(suite, Arc::new(LocalKek::generate()));
    for (f, _) in FIELDS {
        ring.create_key(f).expect("create key");
    }
    Vault::new(ring, IndexKey::generate())
}

fn seal_record(v: &Vault, r: &Record) -> usize {
    index_record(v, r) + seal_only(v, r)
}

fn index_record(v: &Vault, r: &Record) -> usize {
    let mut bytes = 0;
    let indexes = [
        v.blind_index("customer.mobile", &normalize_mobile(&r.fields[1])),
        v.blind_index("customer.id_number", &normalize_id_number(&r.fields[2])),
        v.blind_index("customer.card", &normalize_digits(&r.fields[3])),
    ];
    for ix in indexes {
        bytes += ix.expect("index").len();
    }
    bytes
}

fn seal_only(v: &Vault, r: &Record) -> usize {
    let mut bytes = 0;
    for ((class, column), value) in FIELDS.iter().zip(&r.fields) {
        let s = v.seal(class, &Aad::new("customers", column, &r.row_id), value).expect("seal");
        bytes += s.as_bytes().len();
    }
    bytes
}

fn plain_record<C: Aead>(c: &C, r: &Record) -> usize {
    let mut bytes = 0;
    for value in &r.fields {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        bytes += c.encrypt(Nonce::from_slice(&nonce), value.as_bytes()).expect("encrypt").len() + 12;
    }
    bytes
}

/// Best of `rounds` timings, in records per second.
fn rate(recs: &[Record], rounds: usize, mut f: impl FnMut(&Record) -> usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut sink = 0usize;
        for r in recs {
            sink = sink.wrapping_add(f(black_box(r)));
        }
        black_box(sink);
        best = best.min(t.elapsed().as_secs_f64());
    }
    recs.len() as f64 / best
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let rounds = 3;
    let recs = records(n);
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let aes = Aes256Gcm::new_from_slice(&key).expect("aes key");
    let sm4 = AesGcm::<sm4::Sm4, U12>::new_from_slice(&key[..16]).expect("sm4 key");
    let avg: usize = recs.iter().map(|r| r.fields.iter().map(String::len).sum::<usize>()).sum::<usize>() / n.max(1);

    println!("vault benchmark: {n} records x 5 fields ({avg} plaintext bytes/record), 3 blind indexes each,");
    println!("single thread, best of {rounds} rounds, release build");
    println!();
    println!(
        "{:<12} {:>12} {:>20} {:>6} {:>17} {:>6} {:>15} {:>6}",
        "suite", "vault rec/s", "plain AES-GCM rec/s", "ratio", "plain same rec/s", "ratio", "seal-only rec/s", "ratio"
    );
    let mut worst_aes_ratio = f64::MAX;
    for suite in Suite::ALL {
        let v = vault(suite);
        // Warm caches and per-field MAC states before timing.
        rate(&recs[..n.min(1000)], 1, |r| seal_record(&v, r));
        let vault_rate = rate(&recs, rounds, |r| seal_record(&v, r));
        let aes_rate = rate(&recs, rounds, |r| plain_record(&aes, r));
        let same_rate = match suite {
            Suite::Aes256Gcm => aes_rate,
            Suite::Sm4Gcm => rate(&recs, rounds, |r| plain_record(&sm4, r)),
        };
        // Where the time goes: the envelope alone, without the three blind indexes.
        let seal_rate = rate(&recs, rounds, |r| seal_only(&v, r));
        let ratio = vault_rate / aes_rate;
        if suite == Suite::Aes256Gcm {
            worst_aes_ratio = worst_aes_ratio.min(ratio);
        }
        println!(
            "{:<12} {:>12.0} {:>20.0} {:>6.2} {:>17.0} {:>6.2} {:>15.0} {:>6.2}",
            suite.name(),
            vault_rate,
            aes_rate,
            ratio,
            same_rate,
            vault_rate / same_rate,
            seal_rate,
            seal_rate / aes_rate
        );
    }
    println!();
    println!("ratio = vault rec/s / plain rec/s; seal-only = the 5 envelopes without blind indexes,");
    println!("its ratio against plain AES-256-GCM.");
    let met = worst_aes_ratio >= 0.5;
    println!(
        "goal (aes-256-gcm vault >= 0.5 x plain AES-256-GCM): {} ({worst_aes_ratio:.2})",
        if met { "met" } else { "NOT met" }
    );
    if std::env::var_os("BENCH_CHECK").is_some() && !met {
        std::process::exit(1);
    }
}
