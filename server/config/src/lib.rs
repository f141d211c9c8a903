//! siyu's configuration: one typed struct, loaded once and passed down — never a global.
//!
//! Sources, later wins: built-in defaults < a TOML file (`--config FILE`) < environment variables
//! `SIYU__SECTION__KEY`. Every secret can also be given as `<key>_file`, a path whose content is the secret
//! (how Kubernetes mounts Secrets). An invalid value stops the start with the key's name and the reason.

mod load;
mod redact;
mod settings;

pub use load::{load, ConfigError};
pub use redact::redacted;
pub use settings::*;
