//! WeCom's tables on each backend: leases taken by one owner at a time, the callback's nonce-and-event write
//! (retry, duplicate, replay), and the token row replaced or dropped only by compare-and-set.

use chrono::{Duration, Utc};
use siyu_store::conn::{establish, Target};
use siyu_store::testing;
use siyu_store::wecom::inbox::{self, Accepted, NewEvent};
use siyu_store::wecom::{locks, tokens};
use siyu_store::DbConn;

fn conn(db: &testing::TestDb) -> DbConn {
    establish(&Target::parse(&db.url).unwrap()).unwrap()
}

#[test]
fn a_lease_has_one_owner_until_it_is_released_or_runs_out() {
    let db = testing::fresh();
    let mut c = conn(&db);
    let now = Utc::now();
    let until = now + Duration::seconds(30);
    assert!(locks::acquire(&mut c, "inbox/main", "a", until, now).unwrap());
    assert!(!locks::acquire(&mut c, "inbox/main", "b", until, now).unwrap(), "held by a");
    assert!(locks::acquire(&mut c, "inbox/main", "a", until, now).unwrap(), "a renews its own");
    assert!(locks::acquire(&mut c, "inbox/other", "b", until, now).unwrap(), "another name is another lease");
    assert!(
        locks::acquire(&mut c, "inbox/main", "b", until + Duration::seconds(60), until + Duration::seconds(1)).unwrap(),
        "expired"
    );
    locks::release(&mut c, "inbox/main", "a").unwrap();
    assert!(!locks::acquire(&mut c, "inbox/main", "a", until, now).unwrap(), "a's release of b's lease did nothing");
    locks::release(&mut c, "inbox/main", "b").unwrap();
    assert!(locks::acquire(&mut c, "inbox/main", "a", until, now).unwrap());
}

fn event<'a>(key: &'a str, xml: &'a str) -> NewEvent<'a> {
    NewEvent {
        corp: "main",
        dedupe_key: key,
        event_type: "change_external_contact",
        change_type: Some("add_external_contact"),
        create_time: 1_700_000_000,
        event: xml,
    }
}

#[test]
fn the_callback_write_tells_retries_duplicates_and_replays_apart() {
    let db = testing::fresh();
    let mut c = conn(&db);
    let now = Utc::now();
    let stored = inbox::accept(&mut c, &event("k1", "<xml/>"), "n1", "sig1", now).unwrap();
    assert!(matches!(stored, Accepted::Stored(_)));
    assert_eq!(inbox::accept(&mut c, &event("k1", "<xml/>"), "n1", "SIG1", now).unwrap(), Accepted::Retry);
    assert_eq!(inbox::accept(&mut c, &event("k1", "<xml/>"), "n2", "sig2", now).unwrap(), Accepted::Duplicate);
    assert_eq!(inbox::accept(&mut c, &event("k2", "<xml/>"), "n1", "sig3", now).unwrap(), Accepted::Replay);
    assert_eq!(inbox::list(&mut c, "main").unwrap().len(), 1);
    assert_eq!(inbox::nonce_count(&mut c, "main").unwrap(), 2);
    assert_eq!(inbox::prune_nonces(&mut c, now + Duration::seconds(1)).unwrap(), 2);
    assert!(matches!(inbox::accept(&mut c, &event("k2", "<xml/>"), "n1", "sig3", now).unwrap(), Accepted::Stored(_)));
    let due = inbox::due(&mut c, "main", now, 10).unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(inbox::corps_due(&mut c, now).unwrap(), vec!["main".to_string()]);
    for st in [
        inbox::Status::Failed,
        inbox::Status::Failed,
        inbox::Status::Failed,
        inbox::Status::Failed,
        inbox::Status::Dead,
    ] {
        let row = inbox::list(&mut c, "main").unwrap().into_iter().find(|r| r.dedupe_key == "k1").unwrap();
        assert_eq!(inbox::fail(&mut c, &row, "boom", now).unwrap(), st);
    }
    let k2 = due.iter().find(|r| r.dedupe_key == "k2").unwrap();
    inbox::finish(&mut c, &k2.id, inbox::Status::Processed, now).unwrap();
    assert!(inbox::corps_due(&mut c, now).unwrap().is_empty(), "dead and processed events are not due");
}

#[test]
fn a_token_is_dropped_only_while_it_is_still_the_stored_one() {
    let db = testing::fresh();
    let mut c = conn(&db);
    let now = Utc::now();
    let later = now + Duration::seconds(6900);
    assert!(tokens::get_valid(&mut c, "main", now).unwrap().is_none());
    tokens::put(&mut c, "main", "sealed-1", later, now).unwrap();
    tokens::put(&mut c, "main", "sealed-2", later, now).unwrap();
    assert!(!tokens::invalidate(&mut c, "main", "sealed-1", now).unwrap(), "an old token does not drop the new one");
    assert_eq!(tokens::get_valid(&mut c, "main", now).unwrap().unwrap().sealed, "sealed-2");
    assert!(tokens::get_valid(&mut c, "main", later).unwrap().is_none(), "expired");
    assert!(tokens::invalidate(&mut c, "main", "sealed-2", now).unwrap());
    assert!(tokens::get_valid(&mut c, "main", now).unwrap().is_none());
    tokens::put(&mut c, "main", "sealed-3", later, now).unwrap();
    assert_eq!(tokens::get_valid(&mut c, "main", now).unwrap().unwrap().sealed, "sealed-3");
}
