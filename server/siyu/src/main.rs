//! `siyu`: one binary for the server and its administration.

mod cli;
mod crm_cmd;
mod demo_cmd;
mod events_cmd;
mod foreground;
mod import_cmd;
mod logging;
mod vault_cmd;
mod wecom_cmd;

use clap::Parser;
use cli::{AdminCommand, AuditCommand, Cli, Command, ConfigCommand, TokenCommand};
use siyu_app::clock::SystemClock;
use siyu_app::Env;
use siyu_config::Settings;
use siyu_store::{audit, migrate, DbConn, Pool};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// A failure: one line on stderr, a non-zero exit.
pub(crate) struct Failure(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("siyu: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn settings(cli: &Cli) -> Result<Settings, Failure> {
    Ok(siyu_config::load(cli.config.as_deref(), std::env::vars())?)
}

fn open_pool(s: &Settings) -> Result<Pool, Failure> {
    let pool = siyu_store::conn::pool(
        &s.database.url,
        s.database.pool_size,
        Duration::from_secs(s.database.connect_timeout_secs),
    )?;
    Ok(pool)
}

fn conn(pool: &Pool) -> Result<siyu_store::PooledConn, Failure> {
    pool.get().map_err(|e| Failure(format!("cannot open the database: {e}")))
}

/// The use cases' environment: configuration, clock and the vault, opened from the database (its data keys are
/// created when missing). Warnings (development keys) go to `warn`.
fn env_of(s: Settings, c: &mut DbConn, warn: impl Fn(&str)) -> Result<Env, Failure> {
    let opened = siyu_app::keys::open(c, &s, true, &siyu_app::bootstrap::cli_context())?;
    for w in &opened.warnings {
        warn(w);
    }
    Ok(Env::new(Arc::new(s), Arc::new(SystemClock), opened.vault)?)
}

fn stderr_warning(w: &str) {
    eprintln!("siyu: warning: {w}");
}

/// What a command that works on data needs: the pool, migrations applied, and the vault opened (a wrong KEK
/// stops here, before anything is written).
fn prepared(cli: &Cli) -> Result<(Pool, Env), Failure> {
    let s = settings(cli)?;
    let pool = open_pool(&s)?;
    let mut c = conn(&pool)?;
    run_migrations(&mut c)?;
    let env = env_of(s, &mut c, stderr_warning)?;
    // Name-prefix and address indexes of rows written before they existed (a no-op once done).
    siyu_app::customers::backfill_name_prefixes(&mut c, &env)?;
    siyu_app::customers::backfill_address_index(&mut c, &env)?;
    drop(c);
    Ok((pool, env))
}

fn run_migrations(c: &mut DbConn) -> Result<Vec<String>, Failure> {
    migrate::run_pending(c).map_err(|e| Failure(format!("migration failed: {e}")))
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match &cli.command {
        Command::Config { command: ConfigCommand::Check } => {
            let s = settings(&cli)?;
            println!("{}", serde_json::to_string_pretty(&siyu_config::redacted(&s))?);
            eprintln!("configuration is valid");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let s = settings(&cli)?;
            logging::init(&s)?;
            let pool = open_pool(&s)?;
            let mut c = conn(&pool)?;
            let applied = run_migrations(&mut c)?;
            println!(
                "applied {} migration(s){}",
                applied.len(),
                if applied.is_empty() { "; the database is up to date" } else { "" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => serve(settings(&cli)?),
        Command::Admin {
            command: AdminCommand::Bootstrap { username, password_file, name, employee_no, org_code, org_name },
        } => {
            let s = settings(&cli)?;
            let password = std::fs::read_to_string(password_file)
                .map_err(|e| Failure(format!("cannot read {}: {e}", password_file.display())))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let pool = open_pool(&s)?;
            let mut c = conn(&pool)?;
            run_migrations(&mut c)?;
            let env = env_of(s, &mut c, stderr_warning)?;
            let input =
                siyu_app::bootstrap::BootstrapInput { username, password, name, employee_no, org_code, org_name };
            siyu_app::bootstrap::bootstrap(&mut c, &env, input).map_err(describe)?;
            println!("created the system administrator {username}; the password must be changed at the first login");
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command: AdminCommand::Token { command: TokenCommand::Create { username, days, name } } } => {
            let s = settings(&cli)?;
            let pool = open_pool(&s)?;
            let mut c = conn(&pool)?;
            let env = env_of(s, &mut c, stderr_warning)?;
            let account = siyu_store::accounts::by_username(&mut c, username)?
                .ok_or_else(|| Failure(format!("no account named {username}")))?;
            let t = siyu_app::tokens::create(
                &mut c,
                &env,
                &siyu_app::bootstrap::cli_context(),
                &account.staff_id,
                name,
                *days,
            )
            .map_err(describe)?;
            println!("token {} for {username}, expires {}", t.info.id, t.info.expires_at.to_rfc3339());
            println!("{}", t.token);
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command } => {
            let (dataset, args) = match command {
                cli::ImportCommand::Customers(a) => (siyu_domain::layout::Dataset::Customers, a),
                cli::ImportCommand::Holdings(a) => (siyu_domain::layout::Dataset::Holdings, a),
            };
            let (pool, env) = prepared(&cli)?;
            import_cmd::run(dataset, args, &pool, &env)
        }
        Command::Events { command: cli::EventsCommand::Derive { date, lease_secs } } => {
            let (pool, env) = prepared(&cli)?;
            events_cmd::derive(*date, *lease_secs, &pool, &env)
        }
        Command::Wecom { command: cli::WecomCommand::Sync { corp, lease_secs } } => {
            let (pool, env) = prepared(&cli)?;
            wecom_cmd::sync(corp.as_deref(), *lease_secs, &pool, &env)
        }
        Command::Crm { command: cli::CrmCommand::Pull { lease_secs } } => {
            let (pool, env) = prepared(&cli)?;
            crm_cmd::pull(*lease_secs, &pool, &env)
        }
        Command::Demo { command: cli::DemoCommand::Seed(args) } => {
            let (pool, env) = prepared(&cli)?;
            demo_cmd::seed(args, &pool, &env)
        }
        Command::Vault { command } => {
            let (pool, env) = prepared(&cli)?;
            vault_cmd::run(command, &pool, &env)
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let s = settings(&cli)?;
            let pool = open_pool(&s)?;
            let mut c = conn(&pool)?;
            let report = audit::verify(&mut c, 1000)?;
            if report.ok {
                println!("audit chain intact: {} record(s) verified", report.checked);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "siyu: audit chain broken at record {}: {} ({} record(s) verified before it)",
                    report.first_broken_seq.unwrap_or(0),
                    report.reason.unwrap_or_default(),
                    report.checked
                );
                Ok(ExitCode::from(3))
            }
        }
    }
}

fn describe(e: siyu_app::AppError) -> Failure {
    match e {
        siyu_app::AppError::PasswordPolicy(v) => Failure(format!(
            "the password does not meet the policy: {}",
            v.iter().map(|x| x.message()).collect::<Vec<_>>().join("; ")
        )),
        other => Failure(other.to_string()),
    }
}

fn serve(s: Settings) -> Result<ExitCode, Failure> {
    logging::init(&s)?;
    let pool = open_pool(&s)?;
    let backend = {
        let mut c = conn(&pool)?;
        if s.database.migrate_on_start {
            let applied = run_migrations(&mut c)?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "applied migrations");
            }
        }
        // Without migrations at start, wait for `siyu migrate` (the Helm hook runs it before pods start); the
        // vault's tables come with the migrations, so nothing can be served before.
        let mut waited = 0u64;
        loop {
            let status = migrate::status(&mut c).map_err(|e| Failure(e.to_string()))?;
            if status.pending == 0 {
                break;
            }
            if waited.is_multiple_of(60) {
                tracing::warn!(pending = status.pending, "waiting for migrations: run `siyu migrate`");
            }
            std::thread::sleep(Duration::from_secs(2));
            waited += 2;
        }
        c.backend()
    };
    // The inbound folder's layouts: a bad one refuses to start, not every file later.
    siyu_engine::inbound::check_layouts(&s.import).map_err(Failure)?;
    // A wrong KEK stops here, before anything is served or written.
    let env = env_of(s, &mut *conn(&pool)?, |w| tracing::warn!("{w}"))?;
    // Name-prefix indexes of rows written before they existed (a no-op once done).
    let filled = siyu_app::customers::backfill_name_prefixes(&mut *conn(&pool)?, &env)?;
    if filled > 0 {
        tracing::info!(filled, "filled the name-prefix indexes of existing customers");
    }
    let filled = siyu_app::customers::backfill_address_index(&mut *conn(&pool)?, &env)?;
    if filled > 0 {
        tracing::info!(filled, "filled the address indexes of existing customers");
    }
    let restored = siyu_app::imports::restore_foreign_keys(&mut *conn(&pool)?)?;
    if restored > 0 {
        tracing::warn!(restored, "added back the foreign keys a crashed first load had set aside");
    }
    let mut pollers: Vec<Arc<dyn siyu_engine::Poller>> = vec![
        Arc::new(siyu_engine::wecom_inbox::WecomInbox::default()),
        Arc::new(siyu_engine::wecom_tags::WecomTags::default()),
        Arc::new(siyu_engine::wecom_transfers::WecomTransfers::default()),
        Arc::new(siyu_engine::inbound::Inbound::default()),
        Arc::new(siyu_engine::crm_pull::CrmSchedule::default()),
    ];
    // Mail is off until `smtp.host` is set; queued mail then waits in the outbox.
    if let Some(relay) = siyu_app::mail::relay(&env).map_err(|e| Failure(format!("smtp: {e}")))? {
        pollers.push(Arc::new(siyu_engine::mail_outbox::MailOutbox::new(Box::new(relay))));
    }
    // SMS is off until `sms.base_url` is set; requested messages then wait in the outbox.
    if let Some(gateway) = siyu_app::sms::gateway(&env).map_err(|e| Failure(format!("sms: {e}")))? {
        pollers.push(Arc::new(siyu_engine::sms_outbox::SmsOutbox::new(Box::new(gateway))));
    }
    let engine = Arc::new(
        siyu_engine::Engine::new(
            pool.clone(),
            env.clone(),
            vec![
                Arc::new(siyu_engine::rewrap::Rewrap),
                Arc::new(siyu_engine::wecom_sync::WecomSync::default()),
                Arc::new(siyu_engine::crm_pull::CrmPull),
                Arc::new(siyu_engine::import::Import(siyu_domain::layout::Dataset::Customers)),
                Arc::new(siyu_engine::import::Import(siyu_domain::layout::Dataset::Holdings)),
            ],
        )
        .with_pollers(pollers),
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let worker = engine.spawn(stop.clone(), Duration::from_secs(2));
    let state = actix_web::web::Data::new(siyu_web::AppState {
        pool: pool.clone(),
        env: env.clone(),
        backend,
        metrics: siyu_web::metrics::Metrics::new(),
    });
    tracing::info!(database = backend.as_str(), version = env!("CARGO_PKG_VERSION"), "starting siyu");
    let served = actix_web::rt::System::new().block_on(siyu_web::serve(state));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = worker.join();
    if let Ok(mut c) = pool.get() {
        if let Err(e) = siyu_app::keys::flush_usage(&mut c, &env.vault) {
            tracing::error!(error = %e, "could not save the vault's usage counters");
        }
    }
    served?;
    Ok(ExitCode::SUCCESS)
}
