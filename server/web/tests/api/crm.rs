//! The CRM pull's schedule in `siyu serve`: one `crm.pull` job per `crm.interval` slot, whatever the number of
//! replicas polling, and none when no CRM or no interval is configured. (The pull itself: `siyu/tests/crm.rs`.)

use crate::harness::TestApp;
use chrono::Duration;
use diesel::prelude::*;
use siyu_engine::crm_pull::CrmSchedule;
use siyu_engine::Poller;

fn pulls(app: &TestApp) -> i64 {
    use siyu_store::schema::jobs;
    jobs::table.filter(jobs::kind.eq("crm.pull")).count().get_result(&mut *app.conn()).unwrap()
}

#[test]
fn one_pull_is_queued_per_interval_across_replicas() {
    let app = TestApp::start_with(|s| {
        s.crm.base_url = Some("http://127.0.0.1:9/api".into());
        s.crm.interval = 3600;
    });
    let (a, b) = (CrmSchedule::default(), CrmSchedule::default());
    let pool = app.state.pool.clone();
    assert_eq!(a.poll(&pool, app.env()).unwrap(), 1);
    assert_eq!(a.poll(&pool, app.env()).unwrap(), 0, "the same slot again");
    assert_eq!(b.poll(&pool, app.env()).unwrap(), 0, "another replica, the same slot");
    assert_eq!(pulls(&app), 1);
    app.advance(Duration::seconds(3600));
    assert_eq!(b.poll(&pool, app.env()).unwrap() + a.poll(&pool, app.env()).unwrap(), 1);
    assert_eq!(pulls(&app), 2);
    assert_eq!(app.audit_count("job.enqueue"), 2);
}

#[test]
fn nothing_is_queued_without_a_crm_or_an_interval() {
    let app = TestApp::start_with(|s| s.crm.interval = 60);
    assert_eq!(CrmSchedule::default().poll(&app.state.pool.clone(), app.env()).unwrap(), 0);
    let app = TestApp::start_with(|s| s.crm.base_url = Some("http://127.0.0.1:9".into()));
    assert_eq!(CrmSchedule::default().poll(&app.state.pool.clone(), app.env()).unwrap(), 0);
    assert_eq!(pulls(&app), 0);
}
