//! `siyu demo seed --customers N [--seed S]`: a synthetic bank. The organisation and staff are written directly
//! (audited); customers and holdings are written as bank files of the default layouts, with their control files,
//! and loaded by the import pipeline, so they are sealed, indexed, audited and idempotent like real files.

use crate::cli::{DemoArgs, ImportArgs};
use crate::Failure;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use siyu_app::Env;
use siyu_domain::demo::{self, CUSTOMER_HEADER, HOLDING_HEADER};
use siyu_domain::layout::Dataset;
use siyu_store::Pool;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A data file being written with its SHA-256 and row count, for its control file.
struct Out {
    w: std::io::BufWriter<std::fs::File>,
    sha: Sha256,
    rows: u64,
    path: PathBuf,
}

impl Out {
    fn create(path: PathBuf, header: &str) -> Result<Self, Failure> {
        let f = std::fs::File::create(&path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
        let mut o = Out { w: std::io::BufWriter::with_capacity(1 << 20, f), sha: Sha256::new(), rows: 0, path };
        o.write(header)?;
        o.rows = 0;
        Ok(o)
    }

    fn write(&mut self, line: &str) -> Result<(), Failure> {
        self.sha.update(line.as_bytes());
        self.sha.update(b"\n");
        self.w.write_all(line.as_bytes())?;
        self.w.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes the file and writes `FILE.ctl` beside it.
    fn finish(mut self) -> Result<PathBuf, Failure> {
        self.w.flush()?;
        let ctl = format!("rows={}\nsha256={}\n", self.rows, hex::encode(self.sha.finalize()));
        let name = self.path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        std::fs::write(self.path.with_file_name(format!("{name}.ctl")), ctl)?;
        Ok(self.path)
    }
}

/// Writes the customers and holdings files of a demo bank into `dir`; returns their paths.
pub fn write_files(
    org: &demo::DemoOrg,
    customers: u64,
    seed: u64,
    as_of: chrono::NaiveDate,
    dir: &Path,
    mut each: impl FnMut(u64, &demo::DemoCustomer),
) -> Result<(PathBuf, PathBuf), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| Failure(format!("{}: {e}", dir.display())))?;
    let shelf = demo::catalogue();
    let mut c = Out::create(dir.join(format!("customers-{customers}-{seed}-{as_of}.csv")), CUSTOMER_HEADER)?;
    let mut h = Out::create(dir.join(format!("holdings-{customers}-{seed}-{as_of}.csv")), HOLDING_HEADER)?;
    let bar = bar(customers, "writing the demo files");
    for i in 0..customers {
        let d = demo::customer(org, &shelf, seed, i, as_of);
        c.write(&d.line)?;
        for l in &d.holdings {
            h.write(l)?;
        }
        each(i, &d);
        if i % 4096 == 0 {
            bar.set_position(i);
        }
    }
    bar.finish_and_clear();
    Ok((c.finish()?, h.finish()?))
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(&format!("{what} [{{bar:40}}] {{pos}}/{{len}} ({{eta}} left)"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

pub fn seed(args: &DemoArgs, pool: &Pool, env: &Env) -> Result<ExitCode, Failure> {
    let ctx = siyu_app::bootstrap::cli_context();
    // The bank's day: China Standard Time.
    let as_of = args.as_of.unwrap_or_else(|| (env.now() + chrono::Duration::hours(8)).date_naive());
    let org = demo::org(args.customers, args.seed);
    let seeded = siyu_app::demo::seed_org(&mut *pool.get()?, env, &ctx, &org)?;
    println!(
        "organisation: {} node(s) and {} staff added ({} RMs, {} outlets)",
        seeded.nodes,
        seeded.staff,
        org.rms.len() + org.remote_rms.len(),
        org.outlets.len()
    );
    let dir = args.out.clone().unwrap_or_else(|| env.settings.data.dir.join("demo"));
    let (customers, holdings) = write_files(&org, args.customers, args.seed, as_of, &dir, |_, _| {})?;
    println!("files: {} and {}", customers.display(), holdings.display());
    if args.files_only {
        return Ok(ExitCode::SUCCESS);
    }
    for (dataset, file) in [(Dataset::Customers, customers), (Dataset::Holdings, holdings)] {
        let import = ImportArgs {
            file,
            layout: None,
            encoding: "utf-8".into(),
            require_control: true,
            max_reject_share: Some(0.0),
            lease_secs: 60,
        };
        if crate::import_cmd::run(dataset, &import, pool, env)? != ExitCode::SUCCESS {
            return Err(Failure(format!("the demo {} file was not loaded", dataset.as_str())));
        }
    }
    // WeCom contact states of customers with an RM (a re-seed replaces them with the same).
    let wecom_of: HashMap<String, String> =
        org.staff.iter().map(|s| (s.employee_no.clone(), s.wecom_userid.clone())).collect();
    let corp = siyu_app::demo::demo_corp(env);
    let now = siyu_store::time::to_db(env.now());
    let shelf = demo::catalogue();
    let bar = bar(args.customers, "WeCom contacts");
    let mut batch = Vec::new();
    let mut added = 0usize;
    for i in 0..args.customers {
        let d = demo::customer(&org, &shelf, args.seed, i, as_of);
        if let Some(row) = siyu_app::demo::contact_of(&corp, args.seed, i, &d, &wecom_of, now) {
            batch.push(row);
        }
        if batch.len() >= 2000 || i + 1 == args.customers {
            added += batch.len();
            siyu_app::demo::save_contacts(&mut *pool.get()?, &batch)?;
            batch.clear();
            bar.set_position(i + 1);
        }
    }
    bar.finish_and_clear();
    println!("WeCom contacts: {added} relation(s) in corp {corp}");
    println!("demo bank of {} customer(s) ready (seed {}, as of {as_of})", args.customers, args.seed);
    Ok(ExitCode::SUCCESS)
}
