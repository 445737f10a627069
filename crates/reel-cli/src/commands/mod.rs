//! One module per subcommand: each has a clap `Args` struct and `run(args) -> anyhow::Result<()>`.

pub mod detect;
pub mod eval;
pub mod generate;
pub mod init_model;
pub mod moderate;
pub mod modes;
pub mod serve;
pub mod train;
pub mod verify;
pub mod world;

/// One line: the error and its causes, joined.
pub fn describe(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

/// Exit code 1 for ordinary errors; a distinct code for errors that carry one (e.g. moderation).
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if let Some(coded) = cause.downcast_ref::<ExitCode>() {
            return coded.0;
        }
        if cause
            .downcast_ref::<reel_safety::ModerationError>()
            .is_some()
        {
            return reel_safety::ModerationError::EXIT_CODE;
        }
    }
    1
}

/// Attach to an error (via `anyhow::Error::context`) to choose the process exit code.
#[derive(Debug)]
pub struct ExitCode(pub i32);

impl std::fmt::Display for ExitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code {}", self.0)
    }
}

impl std::error::Error for ExitCode {}
