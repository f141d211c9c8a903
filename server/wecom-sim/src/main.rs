//! `wecom-sim [BIND]` — runs the WeCom emulator (default 127.0.0.1:8099). Set it up through `/__sim/corps`;
//! see docs/wecom.md.

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    let h = siyu_wecom_sim::start(&bind).await?;
    eprintln!("wecom-sim listening on {} (development and tests only)", h.base_url());
    // Run until interrupted.
    tokio::signal::ctrl_c().await?;
    h.server.stop(true).await;
    Ok(())
}
