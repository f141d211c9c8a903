//! `siyu vault …`: key management from the command line.

use crate::cli::VaultCommand;
use crate::Failure;
use siyu_app::bootstrap::cli_context;
use siyu_app::{keys, Env};
use siyu_engine::{rewrap, Engine};
use siyu_store::jobs::{self, JobStatus, NewJob};
use siyu_store::Pool;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(cmd: &VaultCommand, pool: &Pool, env: &Env) -> Result<ExitCode, Failure> {
    let mut c = pool.get()?;
    match cmd {
        VaultCommand::Init => {
            // Opening the vault (in main) created any missing key; report what exists.
            for k in keys::status(&mut c, &env.vault)? {
                println!("{}  version {}", k.key_id, k.latest_version);
            }
            println!("the vault is initialised ({})", env.vault.keyring().suite().name());
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::Rotate { key } => {
            for (k, v) in keys::rotate(&mut c, &env.vault, &cli_context(), key.as_deref())? {
                println!("{k}: now version {v}");
            }
            println!("new values are sealed with the new versions; run `siyu vault rewrap` to move the old ones");
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::RotateKek { new_kek_file } => {
            let new =
                siyu_vault::LocalKek::from_file(new_kek_file).map_err(|e| Failure(format!("--new-kek-file: {e}")))?;
            let n = keys::rotate_kek(&mut c, &env.vault, &cli_context(), Arc::new(new))?;
            println!("{n} data-key version(s) now wrapped by the new KEK");
            println!(
                "restart every replica with vault.kek_file = {}; the old KEK no longer opens the keys",
                new_kek_file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::Status => {
            println!("{:<28} {:>7} {:>11}  values by version", "key", "latest", "min decrypt");
            for k in keys::status(&mut c, &env.vault)? {
                let by: Vec<String> = k.values_by_version.iter().map(|(v, n)| format!("v{v}: {n}")).collect();
                println!(
                    "{:<28} {:>7} {:>11}  {}",
                    k.key_id,
                    k.latest_version,
                    k.min_decryption_version,
                    by.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::Verify => {
            let r = keys::verify(&mut c, &env.vault)?;
            for f in &r.failed {
                eprintln!("siyu: {f}");
            }
            if r.failed.is_empty() {
                println!("all {} sealed value(s) decrypt", r.checked);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("siyu: {} of {} sealed value(s) failed", r.failed.len(), r.checked);
                Ok(ExitCode::from(3))
            }
        }
        VaultCommand::Rewrap { lease_secs } => {
            // Resume an unfinished rewrap (a killed run) rather than starting over.
            let job = match jobs::unfinished(&mut c, rewrap::KIND)? {
                Some(j) => {
                    eprintln!("resuming rewrap job {} from {} value(s) done", j.id, j.done);
                    j
                }
                None => {
                    let new = NewJob {
                        kind: rewrap::KIND,
                        params: serde_json::json!({}),
                        dedupe_key: None,
                        created_by: None,
                        max_attempts: 3,
                    };
                    siyu_engine::enqueue(&mut c, env, &cli_context(), new)?.0
                }
            };
            drop(c);
            let engine = Engine::new(pool.clone(), env.clone(), vec![Arc::new(rewrap::Rewrap)])
                .with_lease(chrono::Duration::seconds(*lease_secs));
            let current = crate::foreground::run(pool, &engine, &job.id, "rewrap")?;
            match current.status {
                JobStatus::Succeeded => {
                    let r = current.result.unwrap_or_default();
                    println!("rewrap done: {} checked, {} re-encrypted", r["checked"], r["rewrapped"]);
                    Ok(ExitCode::SUCCESS)
                }
                other => Err(Failure(format!("rewrap {}: {}", other.as_str(), current.last_error.unwrap_or_default()))),
            }
        }
    }
}
