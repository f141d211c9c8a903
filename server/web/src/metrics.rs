//! Prometheus metrics: requests and latencies by route and status, and pool use. No labels carry user data:
//! routes are patterns (`/api/v1/staff/{staff_id}`), never concrete paths.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    wecom_rejections: IntCounterVec,
    wecom_accepted: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("siyu_http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("siyu_http_request_duration_seconds", "HTTP request latency by route and method")
                .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["route", "method"],
        )
        .expect("valid metric");
        let pool_connections =
            IntGauge::new("siyu_db_pool_connections", "Open database connections").expect("valid metric");
        let pool_idle = IntGauge::new("siyu_db_pool_idle", "Idle database connections").expect("valid metric");
        let pool_max = IntGauge::new("siyu_db_pool_max", "Maximum database connections").expect("valid metric");
        // Labels are the configured corp name (or `-` for a name that is not configured, so a URL cannot create
        // series) and a fixed reason.
        let wecom_rejections = IntCounterVec::new(
            Opts::new("siyu_wecom_callback_rejections_total", "WeCom callbacks refused, by corp and reason"),
            &["corp", "reason"],
        )
        .expect("valid metric");
        let wecom_accepted = IntCounterVec::new(
            Opts::new("siyu_wecom_callbacks_total", "WeCom callbacks accepted: stored, or a retry of a stored one"),
            &["corp", "outcome"],
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_idle.clone()),
            Box::new(pool_max.clone()),
            Box::new(wecom_rejections.clone()),
            Box::new(wecom_accepted.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Self { registry, requests, latency, pool_connections, pool_idle, pool_max, wecom_rejections, wecom_accepted }
    }

    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[route, method, &status.to_string()]).inc();
        self.latency.with_label_values(&[route, method]).observe(seconds);
    }

    pub fn wecom_rejected(&self, corp: &str, reason: &str) {
        self.wecom_rejections.with_label_values(&[corp, reason]).inc();
    }

    pub fn wecom_accepted(&self, corp: &str, outcome: &str) {
        self.wecom_accepted.with_label_values(&[corp, outcome]).inc();
    }

    pub fn set_pool(&self, connections: u32, idle: u32, max: u32) {
        self.pool_connections.set(connections as i64);
        self.pool_idle.set(idle as i64);
        self.pool_max.set(max as i64);
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if TextEncoder::new().encode(&self.registry.gather(), &mut buf).is_err() {
            return String::new();
        }
        let mut text = String::from_utf8(buf).unwrap_or_default();
        text.push_str(&egress_blocked());
        text
    }
}

/// `siyu_egress_blocked_total`: payloads the egress guard refused, by channel and what it found (labels are
/// fixed words such as `wecom` and `mobile`, never the payload).
fn egress_blocked() -> String {
    let mut out = String::from(
        "# HELP siyu_egress_blocked_total Outbound payloads the egress guard refused, by channel and finding\n\
         # TYPE siyu_egress_blocked_total counter\n",
    );
    for ((channel, found), n) in siyu_app::egress::blocked_counts() {
        out.push_str(&format!("siyu_egress_blocked_total{{channel=\"{channel}\",found=\"{found}\"}} {n}\n"));
    }
    out
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
