//! A minimal OpenAI Files API (`/v1/files`): uploads kept per key under `DATA/files/<id>`, with
//! their metadata in the job database, so `input_reference[file_id]` can name one.

use crate::api::{ok_json, owner, page_params, read_form, Form};
use crate::error::{ApiError, ApiResult};
use crate::store::FileRec;
use crate::{now, Shared};
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

type AppState = Arc<Shared>;

/// The purposes OpenAI accepts on upload. Any is stored; only images serve as input references.
pub const PURPOSES: &[&str] = &[
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "evals",
];

/// `expires_after[seconds]` bounds, as OpenAI documents them (1 hour to 30 days).
const MIN_EXPIRY: i64 = 3600;
const MAX_EXPIRY: i64 = 30 * 24 * 3600;

/// A Reel file id: `file-` and letters or digits. Anything else (a path) never reaches the disk.
pub fn valid_id(id: &str) -> bool {
    id.strip_prefix("file-").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The caller's file `id`; another key's, an expired or an unknown one is 404 alike.
pub(crate) fn find(s: &Shared, owner: &str, id: &str) -> ApiResult<FileRec> {
    if valid_id(id) {
        if let Some(f) = s.store.get_file(id)? {
            if f.owner == owner && f.expires_at.is_none_or(|t| t > now()) {
                return Ok(f);
            }
        }
    }
    Err(ApiError::not_found("file", id))
}

/// The content type of an upload, from its bytes (the client's claim is not trusted).
pub fn sniff_mime(bytes: &[u8]) -> &'static str {
    if let Ok(fmt) = image::guess_format(bytes) {
        return fmt.to_mime_type();
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        "video/mp4"
    } else if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if std::str::from_utf8(bytes).is_ok() {
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

/// The last path component of a client's filename, at most 255 characters.
fn clean_filename(name: Option<&str>) -> String {
    let base = name
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim();
    let base: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    if base.is_empty() {
        "upload".into()
    } else {
        base
    }
}

/// `expires_after[anchor]` + `expires_after[seconds]` → the expiry time, if asked for.
fn expiry(form: &Form, created_at: i64) -> ApiResult<Option<i64>> {
    let anchor = form.text("expires_after[anchor]").map(str::trim);
    let seconds = form.text("expires_after[seconds]").map(str::trim);
    if anchor.is_none() && seconds.is_none() {
        return Ok(None);
    }
    if anchor != Some("created_at") {
        return Err(ApiError::invalid(
            "expires_after[anchor]",
            format!(
                "expires_after[anchor] must be \"created_at\", got {:?}",
                anchor.unwrap_or("")
            ),
        ));
    }
    let secs = seconds.ok_or_else(|| ApiError::missing("expires_after[seconds]"))?;
    match secs.parse::<i64>() {
        Ok(n) if (MIN_EXPIRY..=MAX_EXPIRY).contains(&n) => Ok(Some(created_at + n)),
        _ => Err(ApiError::invalid(
            "expires_after[seconds]",
            format!(
                "expires_after[seconds] must be an integer from {MIN_EXPIRY} to {MAX_EXPIRY}, \
                 got {secs:?}"
            ),
        )),
    }
}

/// `POST /v1/files`: multipart `file` + `purpose` (+ optional `expires_after`).
pub(crate) async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let form = read_form(&s, req).await?;
    let up = form.upload("file", "file")?;
    let purpose = form.required("purpose")?;
    if !PURPOSES.contains(&purpose.as_str()) {
        return Err(ApiError::invalid(
            "purpose",
            format!(
                "purpose must be one of {}, got {purpose:?}",
                PURPOSES.join(", ")
            ),
        ));
    }
    let created_at = now();
    let expires_at = expiry(&form, created_at)?;
    let id = format!("file-{:032x}", rand::random::<u128>());
    let rec = FileRec {
        id: id.clone(),
        owner,
        created_at,
        expires_at,
        bytes: up.bytes.len() as i64,
        filename: clean_filename(up.filename.as_deref()),
        purpose,
        mime: sniff_mime(&up.bytes).to_string(),
    };
    let path = s.file_path(&id);
    tokio::fs::write(&path, &up.bytes)
        .await
        .map_err(|e| ApiError::internal(format!("cannot store the file: {e}")))?;
    // The row goes in only once the bytes are on disk, so a listed file is always readable.
    if let Err(e) = s.store.insert_file(&rec) {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    Ok(ok_json(rec.to_json()))
}

pub(crate) async fn retrieve(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    Ok(ok_json(find(&s, &owner, &id)?.to_json()))
}

pub(crate) async fn content(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let rec = find(&s, &owner, &id)?;
    let bytes = tokio::fs::read(s.file_path(&rec.id))
        .await
        .map_err(|_| ApiError::not_found("content of file", &id))?;
    Ok(([(header::CONTENT_TYPE, rec.mime)], bytes).into_response())
}

pub(crate) async fn delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let rec = find(&s, &owner, &id)?;
    s.store.delete_file(&rec.id)?;
    let _ = tokio::fs::remove_file(s.file_path(&rec.id)).await;
    Ok(ok_json(
        json!({"id": rec.id, "object": "file", "deleted": true}),
    ))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    after: Option<String>,
    limit: Option<String>,
    order: Option<String>,
    purpose: Option<String>,
}

/// `GET /v1/files?after=&limit=&order=&purpose=`: newest first by default; OpenAI's default
/// and largest limit is 10,000.
pub(crate) async fn list(
    State(s): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let (limit, asc) = page_params(q.limit.as_deref(), q.order.as_deref(), 10_000, 10_000)?;
    let after = q.after.as_deref().filter(|a| !a.is_empty());
    let purpose = q.purpose.as_deref().filter(|p| !p.is_empty());
    let (files, more) = s
        .store
        .list_files(&owner, after, limit, asc, purpose)?
        .ok_or_else(|| {
            ApiError::invalid(
                "after",
                format!("after: no file '{}'", after.unwrap_or_default()),
            )
        })?;
    let t = now();
    // Expired files not yet swept by the cleanup are already gone for the caller.
    let data: Vec<Value> = files
        .iter()
        .filter(|f| f.expires_at.is_none_or(|e| e > t))
        .map(FileRec::to_json)
        .collect();
    Ok(ok_json(json!({
        "object": "list",
        "data": data,
        "first_id": files.first().map(|f| f.id.clone()),
        "last_id": files.last().map(|f| f.id.clone()),
        "has_more": more,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_paths() {
        assert!(valid_id("file-0123abc"));
        assert!(!valid_id("file-"));
        assert!(!valid_id("file-../../jobs.sqlite"));
        assert!(!valid_id("video_0123"));
    }

    #[test]
    fn filenames_keep_only_the_last_component() {
        assert_eq!(clean_filename(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_filename(Some("C:\\Users\\me\\ref.png")), "ref.png");
        assert_eq!(clean_filename(None), "upload");
        assert_eq!(clean_filename(Some("dir/")), "upload");
    }

    #[test]
    fn content_types_come_from_the_bytes() {
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(2, 2)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        assert_eq!(sniff_mime(png.get_ref()), "image/png");
        assert_eq!(sniff_mime(b"hello"), "text/plain");
        assert_eq!(
            sniff_mime(&[0u8, 0xff, 0xfe, 0x80]),
            "application/octet-stream"
        );
    }
}
