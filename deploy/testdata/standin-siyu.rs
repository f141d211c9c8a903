//! A stand-in for the siyu binary, used only to test the image tooling (scripts/build-image.sh with
//! SIYU_BIN=…, scripts/test-image.sh) while the real binary is not built. std only: `rustc -O standin-siyu.rs`.
//! It answers `--version`, and `serve` listens on SIYU__SERVER__BIND and answers 200 on /healthz and /readyz.
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version") => println!("siyu 0.0.0-standin"),
        Some("serve") => {
            let bind = std::env::var("SIYU__SERVER__BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
            let listener = TcpListener::bind(&bind).expect("bind");
            eprintln!("standin listening on {bind}");
            for stream in listener.incoming().flatten() {
                let mut s = stream;
                let mut buf = [0u8; 2048];
                let n = s.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let path = req.split_whitespace().nth(1).unwrap_or("/");
                let (code, body) = match path {
                    "/healthz" | "/readyz" => ("200 OK", "ok"),
                    _ => ("404 Not Found", "not found"),
                };
                let _ = write!(s, "HTTP/1.1 {code}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            }
        }
        _ => {
            eprintln!("usage: siyu (serve|--version)");
            std::process::exit(2);
        }
    }
}
