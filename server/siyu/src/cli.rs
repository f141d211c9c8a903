//! The command line: `serve`, `migrate`, `admin`, `audit`, `config`, `import`, `events`, `wecom`, `demo`, `vault`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "siyu", version, about = "siyu (私域): a bank's private-domain operations platform")]
pub struct Cli {
    /// A TOML configuration file; environment variables SIYU__SECTION__KEY override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server and the background engine.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Administration from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Load a bank batch file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Customer events derived from each day's data.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// WeCom (企业微信).
    Wecom {
        #[command(subcommand)]
        command: WecomCommand,
    },
    /// The bank's CRM (docs/crm.md).
    Crm {
        #[command(subcommand)]
        command: CrmCommand,
    },
    /// Demonstration data.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// The data vault: keys that seal personal and secret values.
    Vault {
        #[command(subcommand)]
        command: VaultCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Customers: the default layout is a UTF-8 CSV with the header
    /// customer_no,name,id_number,mobile,gender,birth_date,risk_level,risk_assessed_on,aum,outlet_code,rm_employee_no
    Customers(ImportArgs),
    /// Holdings, as the day's snapshot of each customer the file lists (their holdings missing from the file are
    /// closed): the default layout is a UTF-8 CSV with the header
    /// customer_no,product_code,product_name,product_type,product_risk,amount,start_date,maturity_date,next_open_date,nav,nav_date
    Holdings(ImportArgs),
}

#[derive(Subcommand, Debug)]
pub enum EventsCommand {
    /// Derive a day's events for every customer (resumable; a replay of a day adds nothing twice).
    Derive {
        /// The day (YYYY-MM-DD); today by default.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long, default_value_t = 60, hide = true)]
        lease_secs: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum CrmCommand {
    /// Pull the customers and holdings changed since the last pull (resumes an unfinished one).
    Pull {
        #[arg(long, default_value_t = 60, hide = true)]
        lease_secs: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum WecomCommand {
    /// Full sync of follow members, customers with their follow info, corp tags and remarks (resumable), and the
    /// automatic links of contacts to customers.
    Sync {
        /// The `[[wecom.corps]]` name; every configured corp by default.
        #[arg(long)]
        corp: Option<String>,
        #[arg(long, default_value_t = 60, hide = true)]
        lease_secs: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Build a synthetic but realistic bank: organisation tree, staff and roles, customers (log-normal AUM, valid
    /// ID numbers, mobiles, risk levels) and holdings loaded through the import pipeline, WeCom contact states.
    /// Deterministic for (customers, seed, as-of date); a second run with the same values changes nothing.
    Seed(DemoArgs),
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// How many customers.
    #[arg(long, default_value_t = 2000)]
    pub customers: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the data describes (maturities, assessment dates); today (China Standard Time) by default.
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Where the generated bank files go (default DATA_DIR/demo).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed the organisation and write the files, but do not import them (benchmarks import them themselves).
    #[arg(long)]
    pub files_only: bool,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// A layout file (TOML: name, delimiter, [columns] mapping the file's headers to fields).
    #[arg(long, value_name = "FILE")]
    pub layout: Option<PathBuf>,
    /// utf-8, gbk or gb18030.
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// Refuse the file unless FILE.ctl (rows=N, sha256=HEX) is there.
    #[arg(long)]
    pub require_control: bool,
    /// The share of invalid rows above which the file is refused whole (default: import.max_reject_share).
    #[arg(long)]
    pub max_reject_share: Option<f64>,
    #[arg(long, default_value_t = 60, hide = true)]
    pub lease_secs: i64,
}

#[derive(Subcommand, Debug)]
pub enum VaultCommand {
    /// Create the data keys (wrapped by the configured KEK); idempotent.
    Init,
    /// Add a new version to one data key, or to all; new values are sealed with it.
    Rotate {
        #[arg(long, value_name = "KEY_ID")]
        key: Option<String>,
    },
    /// Wrap every data key under a new key-encryption key (sealed data stays as it is); then restart siyu with
    /// `vault.kek_file` pointing at the new file.
    RotateKek {
        #[arg(long, value_name = "FILE")]
        new_kek_file: std::path::PathBuf,
    },
    /// Re-encrypt every sealed value onto its key's newest version: online, in batches, resumable.
    Rewrap {
        /// How long a run may hold its lease without reporting before another may take over (seconds).
        #[arg(long, default_value_t = 60, hide = true)]
        lease_secs: i64,
    },
    /// Decrypt every sealed value and report any that fail.
    Verify,
    /// The data keys, their versions, and how many values each version seals.
    Status,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create the first system administrator; refused once one exists. The password must be changed at first
    /// login.
    Bootstrap {
        #[arg(long)]
        username: String,
        /// A file holding the initial password (kept out of the command line and shell history).
        #[arg(long, value_name = "FILE")]
        password_file: PathBuf,
        #[arg(long, default_value = "系统管理员")]
        name: String,
        #[arg(long, default_value = "SYSADMIN-0001")]
        employee_no: String,
        /// Code of the head office, created when the organisation is empty.
        #[arg(long, default_value = "HQ")]
        org_code: String,
        #[arg(long, default_value = "总行")]
        org_name: String,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user; the token is the last line of standard output.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the whole audit chain; exits non-zero naming the first broken record.
    Verify,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validate the configuration and print it with secrets redacted.
    Check,
}
