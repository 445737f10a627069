//! `reel serve`: the OpenAI videos API on local models (see crates/reel-server/README.md).

use anyhow::Result;
use clap::Args;
use reel_server::ServerConfig;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  reel serve                                   # loopback, no keys, data in ./reel-data
  REEL_API_KEYS=k1,k2 reel serve --listen 0.0.0.0:8080 --data /var/lib/reel
  reel serve --config reel-server.toml

Clients written for OpenAI's Sora API work by changing base_url to http://HOST:PORT/v1.")]
pub struct ServeArgs {
    /// Server config (JSON or TOML): models, workers, queue limit, expiry, API keys.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (without API keys only loopback is used).
    #[arg(long)]
    pub listen: Option<String>,
    /// Folder for the job database and the outputs.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> Result<()> {
    let config = match &args.config {
        Some(p) => ServerConfig::load(p)?,
        None => ServerConfig::default(),
    };
    let listen = args
        .listen
        .or_else(|| config.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let data = args
        .data
        .or_else(|| config.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from("reel-data"));
    reel_server::serve(config, &listen, &data)
}
