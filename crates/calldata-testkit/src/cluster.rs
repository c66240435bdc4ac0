//! Several servers as an operator runs them, for the tests and the bench of replicas: a
//! real `redis-server` and a real `nginx` in front of the replicas, on loopback ports, each
//! writing only into the directory it is given. Both are found on `PATH` or in
//! `/usr/sbin` and `/usr/bin` (Debian's `nginx` lives in `/usr/sbin`); installing them is
//! the caller's business.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::Failure;
use crate::ports::closed_port;

/// `program` on `PATH`, else in `/usr/sbin` or `/usr/bin`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A `redis-server` on a loopback port, without persistence; killed when dropped.
#[derive(Debug)]
pub struct Redis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Redis {
    /// Starts one on a free port, working in `dir`, and waits until it answers `PING`.
    pub async fn start(dir: &Path) -> Result<Self, Failure> {
        let mut redis = Self {
            child: None,
            port: closed_port(),
            dir: dir.to_owned(),
        };
        redis.spawn().await?;
        Ok(redis)
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn spawn(&mut self) -> Result<(), Failure> {
        let program = find_program("redis-server").ok_or("redis-server is not installed")?;
        let child = Command::new(program)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers_ping().await {
            if Instant::now() > deadline {
                return Err(
                    format!("redis-server on port {} not up within 10 s", self.port).into(),
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    async fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").await.is_ok()
            && tokio::time::timeout(Duration::from_secs(1), stream.read_exact(&mut reply))
                .await
                .is_ok_and(|read| read.is_ok())
            && &reply == b"+PONG\r\n"
    }

    /// Stops it (SIGKILL: as a crash, nothing saved) and waits for the exit.
    pub async fn stop(&mut self) -> Result<(), Failure> {
        if let Some(mut child) = self.child.take() {
            child.kill().await?;
        }
        Ok(())
    }

    /// Starts it again on the same port, empty.
    pub async fn restart(&mut self) -> Result<(), Failure> {
        self.stop().await?;
        self.spawn().await
    }
}

/// An `nginx` on a loopback port that spreads requests round-robin over `upstreams` (kept-
/// alive HTTP/1.1 connections, `Host` passed through, the client appended to
/// `X-Forwarded-For`); killed when dropped.
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    address: SocketAddr,
}

impl Nginx {
    /// Starts one working in `dir` with `workers` worker processes.
    pub async fn start(
        dir: &Path,
        upstreams: &[SocketAddr],
        workers: usize,
    ) -> Result<Self, Failure> {
        let program = find_program("nginx").ok_or("nginx is not installed")?;
        let address = SocketAddr::from(([127, 0, 0, 1], closed_port()));
        let servers = upstreams.iter().fold(String::new(), |mut text, upstream| {
            let _ = writeln!(text, "    server {upstream};");
            text
        });
        let dir_text = dir.display();
        let config = format!(
            "daemon off;\nworker_processes {workers};\npid {dir_text}/nginx.pid;\n\
             error_log {dir_text}/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n\
               client_body_temp_path {dir_text}/body;\n  proxy_temp_path {dir_text}/proxy;\n\
               fastcgi_temp_path {dir_text}/fastcgi;\n  uwsgi_temp_path {dir_text}/uwsgi;\n\
               scgi_temp_path {dir_text}/scgi;\n\
               upstream replicas {{\n{servers}    keepalive 64;\n  }}\n\
               server {{\n    listen {address};\n    location / {{\n\
                   proxy_pass http://replicas;\n      proxy_http_version 1.1;\n\
                   proxy_set_header Connection \"\";\n      proxy_set_header Host $http_host;\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                   proxy_next_upstream off;\n    }}\n  }}\n}}\n"
        );
        let config_path = dir.join("nginx.conf");
        std::fs::write(&config_path, config)?;
        let child = Command::new(program)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(address).await.is_err() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                return Err(format!("nginx on {address} not up within 10 s: {log}").into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self { child, address })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its process ID.
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }
}

impl Drop for Nginx {
    /// SIGTERM, which the master passes to its workers (a master killed by SIGKILL would leave its
    /// workers serving the port); SIGKILL only if it has not exited within 5 s.
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if self.child.try_wait().is_ok_and(|exit| exit.is_some()) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.start_kill();
    }
}
