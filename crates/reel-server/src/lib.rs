//! HTTP server speaking the OpenAI videos API, with a persistent job queue.
//!
//! [`Server::bind`] opens the job database, fails jobs a crash left running, starts the worker
//! pool and binds the listener; [`Server::run`] serves until the process ends. `reel serve` is a
//! thin wrapper around both.

mod api;
mod characters;
pub mod config;
mod error;
mod files;
mod page;
pub mod store;
mod worker;

pub use config::{ModelEntry, ModelSpec, ServerConfig};
pub use error::ApiError;

use anyhow::{Context, Result};
use reel_render::{Engine, EngineConfig};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use store::Store;

/// State shared by the HTTP handlers and the workers.
pub(crate) struct Shared {
    pub config: ServerConfig,
    pub data_dir: PathBuf,
    pub store: Store,
    pub engine: Engine,
    /// Cancel flags of running jobs, by id.
    pub cancels: Mutex<HashMap<String, Arc<AtomicBool>>>,
    /// Wakes idle workers when a job is queued.
    pub wake: (Mutex<()>, Condvar),
    pub stopping: AtomicBool,
}

impl Shared {
    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.data_dir.join("videos").join(id)
    }

    /// The bytes of an uploaded file (Files API).
    pub fn file_path(&self, id: &str) -> PathBuf {
        self.data_dir.join("files").join(id)
    }

    pub fn character_dir(&self, id: &str) -> PathBuf {
        self.data_dir.join("characters").join(id)
    }

    pub fn notify(&self) {
        self.wake.1.notify_all();
    }
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// "4" for whole seconds, else up to three decimals ("2.125").
pub fn fmt_seconds(s: f64) -> String {
    if (s - s.round()).abs() < 1e-6 {
        format!("{}", s.round() as i64)
    } else {
        let t = format!("{s:.3}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

pub struct Server {
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Everything up to accepting connections. Without API keys a non-loopback `listen` is
    /// narrowed to 127.0.0.1 (the message says so).
    pub async fn bind(config: ServerConfig, listen: &str, data_dir: &Path) -> Result<Server> {
        let config = config.with_env_keys();
        config.validate()?;
        let mut addr: SocketAddr = listen.parse().with_context(|| {
            format!("--listen {listen:?} is not host:port (e.g. 127.0.0.1:8080)")
        })?;
        if config.api_keys.is_empty() {
            if !addr.ip().is_loopback() {
                eprintln!(
                    "reel serve: no API keys configured (api_keys in the config or REEL_API_KEYS), \
                     so binding to loopback only instead of {}",
                    addr.ip()
                );
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            } else {
                eprintln!(
                    "reel serve: no API keys configured: loopback only, any bearer key is accepted"
                );
            }
        }
        for sub in ["videos", "files", "characters"] {
            std::fs::create_dir_all(data_dir.join(sub))
                .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
        }
        let store = Store::open(&data_dir.join("jobs.sqlite"))?;
        let t = now();
        let failed = store.recover(t, t + config.expire_after_secs as i64)?;
        if failed > 0 {
            eprintln!("reel serve: {failed} job(s) interrupted by the last shutdown marked failed");
        }
        let policy = match &config.policy {
            Some(p) => reel_safety::moderation::Policy::from_file(p)?,
            None => Default::default(),
        };
        let engine = Engine::new(EngineConfig {
            policy,
            signer: reel_safety::provenance::SignerConfig::from_env(),
        });
        let shared = Arc::new(Shared {
            config,
            data_dir: data_dir.to_path_buf(),
            store,
            engine,
            cancels: Mutex::new(HashMap::new()),
            wake: (Mutex::new(()), Condvar::new()),
            stopping: AtomicBool::new(false),
        });
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        worker::spawn_workers(&shared);
        spawn_cleanup(shared.clone());
        Ok(Server { shared, listener })
    }

    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until the process ends or `shutdown` resolves.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let app = api::router(self.shared.clone());
        let shared = self.shared.clone();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .context("server error")?;
        shared.stopping.store(true, Ordering::SeqCst);
        // Running jobs stop at their next step; they are failed as interrupted on the next start.
        for flag in shared
            .cancels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            flag.store(true, Ordering::SeqCst);
        }
        shared.notify();
        Ok(())
    }

    pub async fn run(self) -> Result<()> {
        self.run_until(std::future::pending()).await
    }
}

/// Blocking entry point for the CLI: binds, prints the address, serves until Ctrl-C.
pub fn serve(config: ServerConfig, listen: &str, data_dir: &Path) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let server = Server::bind(config, listen, data_dir).await?;
        let addr = server.local_addr()?;
        println!("reel serve: listening on http://{addr}/ (API base URL http://{addr}/v1)");
        server
            .run_until(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}

/// Deletes expired jobs and their files, every `cleanup_interval_secs`.
fn spawn_cleanup(shared: Arc<Shared>) {
    let every = std::time::Duration::from_secs(shared.config.cleanup_interval_secs.max(1));
    tokio::spawn(async move {
        loop {
            let s = shared.clone();
            let _ = tokio::task::spawn_blocking(move || cleanup_once(&s)).await;
            tokio::time::sleep(every).await;
        }
    });
}

pub(crate) fn cleanup_once(shared: &Shared) {
    match shared.store.expired(now()) {
        Ok(ids) => {
            for id in ids {
                let _ = std::fs::remove_dir_all(shared.job_dir(&id));
                let _ = shared.store.delete(&id);
            }
        }
        Err(e) => eprintln!("reel serve: cleanup failed: {e:#}"),
    }
    // Files uploaded with `expires_after`; the others stay until deleted, as at OpenAI.
    match shared.store.expired_files(now()) {
        Ok(ids) => {
            for id in ids {
                let _ = shared.store.delete_file(&id);
                let _ = std::fs::remove_file(shared.file_path(&id));
            }
        }
        Err(e) => eprintln!("reel serve: file cleanup failed: {e:#}"),
    }
}
