//! The web page at `/`.
pub const HTML: &str = include_str!("page.html");
