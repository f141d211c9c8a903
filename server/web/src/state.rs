//! What every handler shares: the pool, the use cases' environment and the metrics.

use crate::metrics::Metrics;
use siyu_app::Env;
use siyu_store::{Backend, Pool};

pub struct AppState {
    pub pool: Pool,
    pub env: Env,
    pub backend: Backend,
    pub metrics: Metrics,
}

impl AppState {
    pub fn tls(&self) -> bool {
        self.env.settings.server.tls.enabled()
    }

    /// The session cookie's name: `__Host-` under TLS, so browsers bind it to this origin and HTTPS.
    pub fn cookie_name(&self) -> &'static str {
        if self.tls() {
            "__Host-siyu_session"
        } else {
            "siyu_session"
        }
    }
}
