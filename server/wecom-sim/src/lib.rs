//! WeCom emulator for development and tests (never shipped): the customer-contact APIs siyu calls, with WeCom's
//! documented tokens, errcodes, frequency limits and state machines, plus test controls under `/__sim/` and
//! encrypted callbacks to a configured siyu URL. Facts and sources: `docs/wecom.md`.
//!
//! In-process use from a Rust test: [`spawn`] starts it on its own thread (so blocking clients can call it from the
//! test thread) and returns the bound address; [`start`] runs it inside an existing actix/tokio runtime.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{web, App, HttpServer};

mod api;
pub mod callbacks;
mod contact_way;
mod contacts;
pub mod control;
mod groupchat;
mod groupmsg;
mod moments;
pub mod state;
mod tags;
mod tokens;
mod transfer;

pub use state::Sim;

/// Registers every route on `cfg` with the shared `sim` state.
pub fn configure(cfg: &mut web::ServiceConfig, sim: web::Data<Sim>) {
    cfg.app_data(sim)
        .app_data(web::JsonConfig::default().limit(1 << 20))
        .route("/cgi-bin/gettoken", web::get().to(tokens::gettoken))
        .service(
            web::scope("/cgi-bin/externalcontact")
                .route("/get_follow_user_list", web::get().to(contacts::get_follow_user_list))
                .route("/list", web::get().to(contacts::list))
                .route("/get", web::get().to(contacts::get))
                .route("/batch/get_by_user", web::post().to(contacts::batch_get_by_user))
                .route("/remark", web::post().to(contacts::remark))
                .route("/get_corp_tag_list", web::post().to(tags::get_corp_tag_list))
                .route("/add_corp_tag", web::post().to(tags::add_corp_tag))
                .route("/edit_corp_tag", web::post().to(tags::edit_corp_tag))
                .route("/del_corp_tag", web::post().to(tags::del_corp_tag))
                .route("/mark_tag", web::post().to(tags::mark_tag))
                .route("/add_contact_way", web::post().to(contact_way::add_contact_way))
                .route("/get_contact_way", web::post().to(contact_way::get_contact_way))
                .route("/update_contact_way", web::post().to(contact_way::update_contact_way))
                .route("/del_contact_way", web::post().to(contact_way::del_contact_way))
                .route("/list_contact_way", web::post().to(contact_way::list_contact_way))
                .route("/send_welcome_msg", web::post().to(contact_way::send_welcome_msg))
                .route("/add_msg_template", web::post().to(groupmsg::add_msg_template))
                .route("/get_groupmsg_list_v2", web::post().to(groupmsg::get_groupmsg_list_v2))
                .route("/get_groupmsg_task", web::post().to(groupmsg::get_groupmsg_task))
                .route("/get_groupmsg_send_result", web::post().to(groupmsg::get_groupmsg_send_result))
                .route("/cancel_groupmsg_send", web::post().to(groupmsg::cancel_groupmsg_send))
                .route("/transfer_customer", web::post().to(transfer::transfer_customer))
                .route("/transfer_result", web::post().to(transfer::transfer_result))
                .route("/resigned/transfer_customer", web::post().to(transfer::resigned_transfer_customer))
                .route("/resigned/transfer_result", web::post().to(transfer::resigned_transfer_result))
                .route("/groupchat/list", web::post().to(groupchat::list))
                .route("/groupchat/get", web::post().to(groupchat::get))
                .route("/add_moment_task", web::post().to(moments::add_moment_task))
                .route("/get_moment_task_result", web::get().to(moments::get_moment_task_result))
                .route("/cancel_moment_task", web::post().to(moments::cancel_moment_task))
                .route("/get_moment_list", web::post().to(moments::get_moment_list))
                .route("/get_moment_task", web::post().to(moments::get_moment_task))
                .route("/get_moment_customer_list", web::post().to(moments::get_moment_customer_list))
                .route("/get_moment_send_result", web::post().to(moments::get_moment_send_result))
                .route("/get_moment_comments", web::post().to(moments::get_moment_comments)),
        )
        .service(
            web::scope("/__sim")
                .route("/corps", web::post().to(control::put_corp))
                .route("/clock", web::get().to(control::clock))
                .route("/clock/advance", web::post().to(control::advance))
                .route("/callback_log", web::get().to(control::callback_log))
                .route("/corps/{corp}/users", web::post().to(control::add_user))
                .route("/corps/{corp}/users/{userid}/resign", web::post().to(control::resign_user))
                .route("/corps/{corp}/contacts", web::post().to(control::add_contact))
                .route("/corps/{corp}/customer_adds", web::post().to(control::customer_add))
                .route("/corps/{corp}/customer_deletes", web::post().to(control::customer_delete))
                .route("/corps/{corp}/events", web::post().to(control::raw_event))
                .route("/corps/{corp}/verify_url", web::post().to(control::verify_url))
                .route("/corps/{corp}/faults", web::post().to(control::add_fault))
                .route("/corps/{corp}/tokens/expire", web::post().to(control::expire_tokens))
                .route("/corps/{corp}/tokens/revoke", web::post().to(control::revoke_tokens))
                .route("/corps/{corp}/groupmsg/{msgid}/confirm", web::post().to(control::confirm_mass))
                .route("/corps/{corp}/groupmsg/{msgid}/refuse", web::post().to(control::refuse_mass))
                .route("/corps/{corp}/transfers/refuse", web::post().to(control::refuse_transfer))
                .route("/corps/{corp}/group_chats", web::post().to(control::add_chat))
                .route("/corps/{corp}/delivered", web::get().to(control::delivered))
                .route("/corps/{corp}/moments/{moment_id}/publish", web::post().to(control::publish_moment))
                .route("/corps/{corp}/moments/{moment_id}/interactions", web::post().to(control::moment_interaction)),
        );
}

/// A running emulator.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub sim: web::Data<Sim>,
    pub server: actix_web::dev::ServerHandle,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`: the API base to give the client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn server(bind: &str, sim: web::Data<Sim>) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    let s = sim.clone();
    let srv = HttpServer::new(move || App::new().configure(|cfg| configure(cfg, s.clone())))
        .workers(1)
        .disable_signals()
        .bind(bind)?;
    let addr = srv.addrs()[0];
    Ok((srv.run(), addr))
}

/// Starts the emulator on `bind` (e.g. `127.0.0.1:0`) inside the current actix runtime.
pub async fn start(bind: &str) -> std::io::Result<SimHandle> {
    let sim = web::Data::new(Sim::default());
    let (srv, addr) = server(bind, sim.clone())?;
    let server = srv.handle();
    actix_web::rt::spawn(srv);
    Ok(SimHandle { addr, sim, server })
}

/// Starts the emulator on its own thread and runtime; returns once it is listening.
pub fn spawn(bind: &str) -> std::io::Result<SimHandle> {
    let sim = web::Data::new(Sim::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let (bind, s) = (bind.to_owned(), sim.clone());
    std::thread::Builder::new().name("wecom-sim".into()).spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match server(&bind, s) {
                Ok((srv, addr)) => {
                    let _ = tx.send(Ok((srv.handle(), addr)));
                    let _ = srv.await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        })
    })?;
    let (server, addr) = rx.recv().map_err(|e| std::io::Error::other(e.to_string()))??;
    Ok(SimHandle { addr, sim, server })
}

/// Shares the state of a running emulator (e.g. to seed it without HTTP).
pub fn shared(handle: &SimHandle) -> Arc<Sim> {
    handle.sim.clone().into_inner()
}
