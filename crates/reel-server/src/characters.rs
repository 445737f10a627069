//! `POST /v1/videos/characters` and `GET /v1/videos/characters/{id}`: a named reference clip,
//! stored per key under `DATA/characters/<id>/`.
//!
//! The videos API as the SDK speaks it (shared/OPENAI_VIDEOS_API.md) defines no way for a
//! generation request to name a character, so characters are stored, validated and returned
//! but do not yet condition any generation.

use crate::api::{ok_json, owner, read_form, video_ext};
use crate::error::{ApiError, ApiResult};
use crate::store::CharacterRec;
use crate::{now, Shared};
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;

type AppState = Arc<Shared>;

/// Longest display name, in characters.
const MAX_NAME: usize = 256;

/// A Reel character id: `char_` and letters or digits.
pub fn valid_id(id: &str) -> bool {
    id.strip_prefix("char_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

fn find(s: &Shared, owner: &str, id: &str) -> ApiResult<CharacterRec> {
    if valid_id(id) {
        if let Some(c) = s.store.get_character(id)? {
            if c.owner == owner {
                return Ok(c);
            }
        }
    }
    Err(ApiError::not_found("character", id))
}

/// Multipart `name` + `video` (a file part): the clip must decode, else 400 on `video`.
pub(crate) async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let form = read_form(&s, req).await?;
    let name = form.required("name")?;
    if name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid(
            "name",
            format!("name must be at most {MAX_NAME} characters"),
        ));
    }
    let up = form.upload("video", "video")?;
    let id = format!("char_{:032x}", rand::random::<u128>());
    let dir = s.character_dir(&id);
    let clip = format!("clip.{}", video_ext(up.filename.as_deref()));
    let path = dir.join(&clip);
    let stored = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &up.bytes));
    if let Err(e) = stored {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(ApiError::internal(format!(
            "cannot store the character clip: {e}"
        )));
    }
    let p = path.clone();
    let probe = tokio::task::spawn_blocking(move || reel_media::read_video(&p).map(|v| v.len()))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let problem = match probe {
        Ok(0) => Some("the video has no frames".to_string()),
        Ok(_) => None,
        Err(e) => Some(format!("the video cannot be decoded: {e:#}")),
    };
    if let Some(msg) = problem {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(ApiError::invalid("video", msg));
    }
    let rec = CharacterRec {
        id,
        owner,
        created_at: now(),
        name,
        clip,
    };
    if let Err(e) = s.store.insert_character(&rec) {
        let _ = std::fs::remove_dir_all(&dir);
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

/// Not in the SDK: lets a key reclaim the space of a character it no longer needs.
pub(crate) async fn delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let rec = find(&s, &owner, &id)?;
    s.store.delete_character(&rec.id)?;
    let _ = tokio::fs::remove_dir_all(s.character_dir(&rec.id)).await;
    Ok(ok_json(
        json!({"id": rec.id, "object": "character.deleted", "deleted": true}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_paths() {
        assert!(valid_id("char_00ff"));
        assert!(!valid_id("char_"));
        assert!(!valid_id("char_../x"));
        assert!(!valid_id("file-00ff"));
    }
}
