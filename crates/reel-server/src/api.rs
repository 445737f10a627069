//! The HTTP surface: OpenAI's `/v1/videos` endpoints, provenance checks and the web page; the
//! Files API and characters live in `files.rs` and `characters.rs` on the same helpers.

use crate::error::{ApiError, ApiResult};
use crate::store::Job;
use crate::worker::{SPRITESHEET_FILE, THUMBNAIL_FILE, VIDEO_FILE};
use crate::{characters, files, fmt_seconds, now, page, Shared};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use reel_models::bundle::BundleConfig;
use reel_render::{ClipAt, ClipInput, Request as RenderRequest};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

type AppState = Arc<Shared>;

pub fn router(shared: AppState) -> Router {
    let limit = shared.config.max_upload_bytes;
    Router::new()
        .route("/", get(|| async { Html(page::HTML) }))
        .route("/v1/videos", post(create).get(list))
        .route("/v1/videos/edits", post(edit))
        .route("/v1/videos/extensions", post(extend))
        .route("/v1/videos/characters", post(characters::create))
        .route(
            "/v1/videos/characters/{character_id}",
            get(characters::retrieve).delete(characters::delete),
        )
        .route("/v1/videos/{id}", get(retrieve).delete(delete))
        .route("/v1/videos/{id}/content", get(content))
        .route("/v1/videos/{id}/remix", post(remix))
        .route("/v1/content_provenance_checks", post(provenance_check))
        .route("/v1/files", post(files::create).get(files::list))
        .route(
            "/v1/files/{file_id}",
            get(files::retrieve).delete(files::delete),
        )
        .route("/v1/files/{file_id}/content", get(files::content))
        .fallback(|| async {
            ApiError {
                status: StatusCode::NOT_FOUND,
                message: "unknown route; the API lives under /v1/videos and /v1/files".into(),
                kind: "invalid_request_error",
                param: None,
                code: Some("not_found".into()),
                retry_after: None,
            }
        })
        // Otherwise axum answers 405 with an empty body, which the SDK cannot parse.
        .method_not_allowed_fallback(|| async {
            ApiError {
                status: StatusCode::METHOD_NOT_ALLOWED,
                message: "this method is not allowed on this route".into(),
                kind: "invalid_request_error",
                param: None,
                code: Some("method_not_allowed".into()),
                retry_after: None,
            }
        })
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

// ---------------------------------------------------------------- auth

/// The owner a request acts for: a hash of its bearer key (keys themselves are never stored), or
/// "local" when the server has no keys.
pub(crate) fn owner(s: &Shared, headers: &HeaderMap) -> ApiResult<String> {
    if s.config.api_keys.is_empty() {
        return Ok("local".into());
    }
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "missing bearer key: send 'Authorization: Bearer <key>' with a key this server knows",
            )
        })?;
    let key = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or("");
    if !s.config.api_keys.iter().any(|k| k == key) {
        return Err(ApiError::unauthorized("incorrect API key provided"));
    }
    Ok(format!(
        "key-{}",
        &hex::encode(Sha256::digest(key.as_bytes()))[..16]
    ))
}

fn find_job(s: &Shared, owner: &str, id: &str) -> ApiResult<Job> {
    match s.store.get(id)? {
        Some(j) if j.owner == owner => Ok(j),
        _ => Err(ApiError::not_found("video", id)),
    }
}

// ---------------------------------------------------------------- bodies

pub(crate) struct Upload {
    pub filename: Option<String>,
    pub bytes: Bytes,
}

/// A request body as flat fields: multipart parts, or a JSON object whose nested objects become
/// bracketed names (`{"video": {"id": ..}}` → `video[id]`), as the SDK flattens them.
#[derive(Default)]
pub(crate) struct Form {
    pub fields: HashMap<String, String>,
    pub files: HashMap<String, Upload>,
}

impl Form {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(|s| s.as_str())
    }

    /// The upload in part `name`; a text part of that name is a 400 (e.g. a path sent where the
    /// file itself belongs), no part at all is `missing_required_parameter`.
    pub fn upload(&self, name: &str, what: &str) -> ApiResult<&Upload> {
        match self.files.get(name) {
            Some(u) if u.bytes.is_empty() => Err(ApiError::invalid(
                name,
                format!("the uploaded {what} is empty"),
            )),
            Some(u) => Ok(u),
            None if self.fields.contains_key(name) => Err(ApiError::invalid(
                name,
                format!("{name} must be the {what} itself, uploaded as a multipart file part"),
            )),
            None => Err(ApiError::missing(name)),
        }
    }

    pub fn required(&self, name: &str) -> ApiResult<String> {
        match self.text(name).map(str::trim) {
            Some(t) if !t.is_empty() => Ok(t.to_string()),
            _ => Err(ApiError::missing(name)),
        }
    }
}

pub(crate) async fn read_form(s: &Shared, req: Request) -> ApiResult<Form> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        read_multipart(s, req).await
    } else if ct.starts_with("application/json") || ct.is_empty() {
        let v = read_json(s, req).await?;
        let Value::Object(map) = v else {
            return Err(ApiError::bad_request(
                "invalid_json",
                "the JSON body must be an object",
            ));
        };
        let mut form = Form::default();
        for (k, v) in map {
            match v {
                Value::Object(inner) => {
                    for (k2, v2) in inner {
                        if let Some(t) = scalar(&v2) {
                            form.fields.insert(format!("{k}[{k2}]"), t);
                        }
                    }
                }
                other => {
                    if let Some(t) = scalar(&other) {
                        form.fields.insert(k, t);
                    }
                }
            }
        }
        Ok(form)
    } else {
        Err(ApiError::bad_request(
            "unsupported_content_type",
            format!(
                "unsupported Content-Type {ct:?}: send multipart/form-data or application/json"
            ),
        ))
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn multipart_error(s: &Shared, e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(s.config.max_upload_bytes)
    } else {
        ApiError::bad_request(
            "invalid_multipart",
            format!("malformed multipart/form-data body: {}", e.body_text()),
        )
    }
}

async fn read_multipart(s: &Shared, req: Request) -> ApiResult<Form> {
    let mut mp = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|e| {
            ApiError::bad_request(
                "invalid_multipart",
                format!("malformed multipart/form-data body: {}", e.body_text()),
            )
        })?;
    let mut form = Form::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(s, e)),
        };
        let Some(name) = field.name().map(str::to_string) else {
            continue;
        };
        let filename = field.file_name().map(str::to_string);
        // A part with a binary content type is a file even without a filename (some clients
        // omit it for in-memory uploads).
        let binary = field
            .content_type()
            .is_some_and(|t| !t.starts_with("text/") && !t.starts_with("application/json"));
        if filename.is_some() || binary {
            let bytes = field.bytes().await.map_err(|e| multipart_error(s, e))?;
            form.files.insert(name, Upload { filename, bytes });
        } else {
            let text = field.text().await.map_err(|e| multipart_error(s, e))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

async fn read_json(s: &Shared, req: Request) -> ApiResult<Value> {
    let limit = s.config.max_upload_bytes;
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ApiError::too_large(limit))?;
    if bytes.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })
}

// ---------------------------------------------------------------- mapping

/// What a request's model, seconds and size become on the local model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub bundle: PathBuf,
    pub steps: Option<usize>,
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    pub fps: f64,
}

impl Plan {
    pub fn seconds(&self) -> String {
        fmt_seconds(self.frames as f64 / self.fps)
    }
    pub fn size(&self) -> String {
        format!("{}x{}", self.width, self.height)
    }
}

/// Scales `w`×`h` down (never up) to at most `max_area` pixels keeping the aspect ratio, then
/// rounds each side to the nearest multiple of `m` (at least `m`).
pub fn map_size(w: u32, h: u32, m: u32, max_area: u32) -> (u32, u32) {
    let area = w as f64 * h as f64;
    let scale = (max_area as f64 / area).sqrt().min(1.0);
    let snap = |x: u32| {
        let v = (x as f64 * scale / m as f64).round() as u32 * m;
        v.max(m)
    };
    (snap(w), snap(h))
}

pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s
        .trim()
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(a, b)| (a.trim().parse::<u32>(), b.trim().parse::<u32>()))?;
    match (w, h) {
        (Ok(w), Ok(h)) if (1..=16384).contains(&w) && (1..=16384).contains(&h) => Some((w, h)),
        _ => None,
    }
}

pub(crate) fn plan(
    s: &Shared,
    model: &str,
    seconds: Option<&str>,
    size: Option<&str>,
) -> ApiResult<Plan> {
    let spec = s.config.model(model).ok_or_else(|| {
        ApiError::invalid(
            "model",
            format!(
                "unknown model '{model}'; this server has: {}",
                s.config.model_names().join(", ")
            ),
        )
    })?;
    let cfg = BundleConfig::load(&spec.path).map_err(|e| {
        ApiError::bad_request(
            "model_unavailable",
            format!("model '{model}' cannot be loaded: {e:#}"),
        )
        .param("model")
    })?;
    let secs_text = seconds.unwrap_or("4").trim();
    let secs: f64 = secs_text.parse().map_err(|_| {
        ApiError::invalid(
            "seconds",
            format!("seconds must be a number of seconds such as \"4\", got {secs_text:?}"),
        )
    })?;
    if !(secs.is_finite() && secs > 0.0) {
        return Err(ApiError::invalid(
            "seconds",
            format!("seconds must be positive, got {secs_text}"),
        ));
    }
    if secs > s.config.max_seconds {
        return Err(ApiError::invalid(
            "seconds",
            format!(
                "seconds {secs_text} exceeds this server's limit of {}",
                s.config.max_seconds
            ),
        ));
    }
    let size_text = size.unwrap_or("720x1280");
    let (w, h) = parse_size(size_text).ok_or_else(|| {
        ApiError::invalid(
            "size",
            format!("size must be WIDTHxHEIGHT such as \"720x1280\", got {size_text:?}"),
        )
    })?;
    let d = &cfg.defaults;
    let max_area = spec.max_area.unwrap_or(d.width * d.height);
    let (width, height) = map_size(w, h, cfg.size_multiple(), max_area);
    let frames = ((secs * d.fps).round() as usize).max(1);
    Ok(Plan {
        bundle: spec.path,
        steps: spec.steps,
        width,
        height,
        frames,
        fps: d.fps,
    })
}

fn check_capacity(s: &Shared) -> ApiResult<()> {
    let active = s.store.active_count()?;
    if active >= s.config.queue_limit {
        return Err(ApiError::rate_limited(
            format!("the queue is full ({active} videos queued or in progress); retry later",),
            (s.config.poll_after_ms / 1000).max(1) * 2,
        ));
    }
    Ok(())
}

fn moderate(s: &Shared, prompt: &str) -> ApiResult<()> {
    reel_safety::moderation::enforce(prompt, s.engine.policy()).map_err(|e| {
        ApiError::bad_request(reel_safety::ModerationError::API_CODE, e.to_string()).param("prompt")
    })
}

pub(crate) fn new_id() -> String {
    format!("video_{:032x}", rand::random::<u128>())
}

pub(crate) fn decode_image(bytes: &[u8], param: &str) -> ApiResult<image::RgbImage> {
    image::load_from_memory(bytes)
        .map(|i| i.to_rgb8())
        .map_err(|e| {
            ApiError::invalid(
                param,
                format!("{param} is not a readable image (PNG, JPEG, GIF or WebP): {e}"),
            )
        })
}

/// `data:image/png;base64,...` → bytes. Remote URLs are never fetched.
fn data_url(url: &str, param: &str) -> ApiResult<Vec<u8>> {
    let Some(rest) = url.trim().strip_prefix("data:") else {
        return Err(ApiError::invalid(
            param,
            "only data: URLs are accepted (this server fetches nothing remote); upload the image as a file instead",
        ));
    };
    let (meta, payload) = rest
        .split_once(',')
        .ok_or_else(|| ApiError::invalid(param, "malformed data URL (no comma)"))?;
    if !meta.ends_with(";base64") {
        return Err(ApiError::invalid(
            param,
            "the data URL must be base64-encoded",
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(payload.trim())
        .map_err(|e| ApiError::invalid(param, format!("the data URL's base64 is invalid: {e}")))
}

/// The first-frame image of a create request, from any of the ways the SDK can send it: a file
/// part, `input_reference[image_url]` (data URL), `input_reference[file_id]` (one of the caller's
/// files), or a bare `input_reference` string that is a data URL or a file id.
fn input_image(s: &Shared, owner: &str, form: &Form) -> ApiResult<Option<image::RgbImage>> {
    let bare = form.text("input_reference").map(str::trim);
    let bare_is_file = bare.is_some_and(|t| t.starts_with("file-"));
    let upload = form.files.get("input_reference");
    let url = match form.text("input_reference[image_url]") {
        Some(u) => Some((u, "input_reference[image_url]")),
        None => bare
            .filter(|_| !bare_is_file)
            .map(|u| (u, "input_reference")),
    };
    let file_id = form
        .text("input_reference[file_id]")
        .or(bare.filter(|_| bare_is_file));
    let given = [upload.is_some(), url.is_some(), file_id.is_some()]
        .iter()
        .filter(|g| **g)
        .count();
    if given > 1 {
        return Err(ApiError::invalid(
            "input_reference",
            "give input_reference one way only: a file upload, an image_url or a file_id",
        ));
    }
    if let Some(f) = upload {
        return decode_image(&f.bytes, "input_reference").map(Some);
    }
    if let Some((url, key)) = url {
        let bytes = data_url(url, key)?;
        return decode_image(&bytes, key).map(Some);
    }
    if let Some(id) = file_id {
        let id = id.trim();
        let rec = files::find(s, owner, id).map_err(|e| e.param("input_reference"))?;
        let bytes = std::fs::read(s.file_path(&rec.id))
            .map_err(|_| ApiError::not_found("file", id).param("input_reference"))?;
        return image::load_from_memory(&bytes)
            .map(|i| Some(i.to_rgb8()))
            .map_err(|e| {
                ApiError::invalid(
                    "input_reference",
                    format!(
                        "file '{id}' ({}, {}) is not a readable image (PNG, JPEG, GIF or \
                         WebP), so it cannot be the first frame: {e}",
                        rec.filename, rec.mime
                    ),
                )
            });
    }
    Ok(None)
}

pub(crate) fn ok_json(v: Value) -> Response {
    Json(v).into_response()
}

fn queue_job(s: &Shared, job: Job) -> ApiResult<Response> {
    s.store.insert(&job)?;
    s.notify();
    Ok(ok_json(job.to_json()))
}

// ---------------------------------------------------------------- handlers

async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let form = read_form(&s, req).await?;
    let prompt = form.required("prompt")?;
    let model = form
        .text("model")
        .map(str::trim)
        .unwrap_or("sora-2")
        .to_string();
    let model = if model.is_empty() {
        "sora-2".to_string()
    } else {
        model
    };
    let plan = plan(&s, &model, form.text("seconds"), form.text("size"))?;
    let image = input_image(&s, &owner, &form)?;
    moderate(&s, &prompt)?;
    check_capacity(&s)?;

    let id = new_id();
    let dir = s.job_dir(&id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| ApiError::internal(format!("cannot create job folder: {e}")))?;
    let mut keyframes = Vec::new();
    if let Some(img) = image {
        let path = dir.join("input_reference.png");
        img.save(&path)
            .map_err(|e| ApiError::internal(format!("cannot store the input image: {e}")))?;
        keyframes.push((0, path.to_string_lossy().into_owned()));
    }
    let req = RenderRequest {
        prompt: prompt.clone(),
        model: Some(plan.bundle.to_string_lossy().into_owned()),
        width: Some(plan.width),
        height: Some(plan.height),
        frames: Some(plan.frames),
        fps: Some(plan.fps),
        steps: plan.steps,
        seed: Some(rand::random::<u32>() as u64),
        keyframes,
        ..Default::default()
    };
    queue_job(
        &s,
        Job::queued(
            id,
            owner,
            model,
            prompt,
            plan.seconds(),
            plan.size(),
            None,
            serde_json::to_string(&req).map_err(|e| ApiError::internal(e.to_string()))?,
        ),
    )
}

async fn retrieve(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let job = find_job(&s, &owner, &id)?;
    let mut resp = ok_json(job.to_json());
    if job.is_active() {
        resp.headers_mut().insert(
            "openai-poll-after-ms",
            HeaderValue::from(s.config.poll_after_ms),
        );
    }
    Ok(resp)
}

#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
    limit: Option<String>,
    order: Option<String>,
}

/// `limit`, `order` (`asc`/`desc`, default desc) of a list request.
pub(crate) fn page_params(
    limit: Option<&str>,
    order: Option<&str>,
    default_limit: usize,
    max_limit: usize,
) -> ApiResult<(usize, bool)> {
    let limit = match limit {
        None | Some("") => default_limit,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=max_limit).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    format!("limit must be an integer from 1 to {max_limit}, got {t:?}"),
                ))
            }
        },
    };
    let asc = match order {
        None | Some("") | Some("desc") => false,
        Some("asc") => true,
        Some(o) => {
            return Err(ApiError::invalid(
                "order",
                format!("order must be \"asc\" or \"desc\", got {o:?}"),
            ))
        }
    };
    Ok((limit, asc))
}

async fn list(
    State(s): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let (limit, asc) = page_params(q.limit.as_deref(), q.order.as_deref(), 20, 100)?;
    let after = q.after.as_deref().filter(|a| !a.is_empty());
    let (jobs, more) = s.store.list(&owner, after, limit, asc)?.ok_or_else(|| {
        ApiError::invalid(
            "after",
            format!("after: no video '{}'", after.unwrap_or_default()),
        )
    })?;
    let data: Vec<Value> = jobs.iter().map(Job::to_json).collect();
    Ok(ok_json(json!({
        "object": "list",
        "data": data,
        "first_id": jobs.first().map(|j| j.id.clone()),
        "last_id": jobs.last().map(|j| j.id.clone()),
        "has_more": more,
    })))
}

async fn delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let job = find_job(&s, &owner, &id)?;
    let running = {
        let cancels = s.cancels.lock().unwrap_or_else(|e| e.into_inner());
        match cancels.get(&job.id) {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    };
    s.store.delete(&job.id)?;
    // A running job's worker removes its files when it stops.
    if !running {
        let _ = std::fs::remove_dir_all(s.job_dir(&job.id));
    }
    Ok(ok_json(
        json!({"id": job.id, "object": "video.deleted", "deleted": true}),
    ))
}

#[derive(Deserialize)]
struct ContentQuery {
    variant: Option<String>,
}

async fn content(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    query: Result<Query<ContentQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let (file, mime) = match q.variant.as_deref().unwrap_or("video") {
        "video" => (VIDEO_FILE, "video/mp4"),
        "thumbnail" => (THUMBNAIL_FILE, "image/webp"),
        "spritesheet" => (SPRITESHEET_FILE, "image/jpeg"),
        other => {
            return Err(ApiError::invalid(
                "variant",
                format!("variant must be video, thumbnail or spritesheet, got {other:?}"),
            ))
        }
    };
    let job = find_job(&s, &owner, &id)?;
    if job.status != "completed" {
        return Err(ApiError::bad_request(
            "video_not_ready",
            format!(
                "video '{id}' is {}; content exists only once it is completed",
                job.status
            ),
        ));
    }
    let bytes = tokio::fs::read(s.job_dir(&id).join(file))
        .await
        .map_err(|_| ApiError::not_found("content of video", &id))?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}

async fn remix(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    req: Request,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let form = read_form(&s, req).await?;
    let prompt = form.required("prompt")?;
    let source = find_job(&s, &owner, &id)?;
    if source.status != "completed" {
        return Err(ApiError::invalid(
            "video_id",
            format!(
                "video '{id}' is {}; only a completed video can be remixed",
                source.status
            ),
        ));
    }
    moderate(&s, &prompt)?;
    check_capacity(&s)?;
    let source_file = s.job_dir(&id).join(VIDEO_FILE);
    let recorded = reel_render::read_request(&source_file).map_err(|e| {
        ApiError::internal(format!(
            "cannot read the request recorded in video '{id}': {e:#}"
        ))
    })?;
    let new_id = new_id();
    let dir = s.job_dir(&new_id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| ApiError::internal(format!("cannot create job folder: {e}")))?;
    // The source's recorded request (model, size, length, sampler, seed, inputs) with the new
    // prompt: the remix keeps the source's noise, so layout and motion stay close where the
    // prompt allows. Inputs are copied so the remix does not depend on the source's files.
    let mut req = recorded.to_request().map_err(|e| {
        ApiError::internal(format!("cannot rebuild the request of video '{id}': {e:#}"))
    })?;
    req.prompt = prompt.clone();
    let copy = |k: usize, from: &str| -> ApiResult<String> {
        let ext = Path::new(from)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("png");
        let to = dir.join(format!("input_{k}.{ext}"));
        std::fs::copy(from, &to).map_err(|e| {
            ApiError::internal(format!("cannot copy the input {from} of '{id}': {e}"))
        })?;
        Ok(to.to_string_lossy().into_owned())
    };
    let mut k = 0;
    for kf in req.keyframes.iter_mut() {
        kf.1 = copy(k, &kf.1)?;
        k += 1;
    }
    for c in req.clips.iter_mut() {
        c.path = copy(k, &c.path)?;
        k += 1;
    }
    queue_job(
        &s,
        Job::queued(
            new_id,
            owner,
            source.model.clone(),
            prompt,
            source.seconds.clone(),
            source.size.clone(),
            Some(source.id.clone()),
            serde_json::to_string(&req).map_err(|e| ApiError::internal(e.to_string()))?,
        ),
    )
}

/// A Reel video id: `video_` and letters or digits; anything else (a path, a URL) is refused.
fn valid_id(id: &str) -> bool {
    id.strip_prefix("video_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The extension an uploaded video is stored under (the reader picks its decoder by it): the
/// upload's own if it is one Reel reads, else `mp4`.
pub(crate) fn video_ext(filename: Option<&str>) -> String {
    filename
        .and_then(|f| Path::new(f).extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| matches!(e.as_str(), "mp4" | "m4v" | "gif" | "y4m" | "png"))
        .unwrap_or_else(|| "mp4".into())
}

/// The source video of an edit or extension, copied into the new job's folder.
struct SourceVideo {
    path: PathBuf,
    from_id: Option<String>,
    /// The model bundle that made it, for a Reel video given by id.
    bundle: Option<String>,
    width: u32,
    height: u32,
    seconds: f64,
}

async fn source_video(s: &Shared, owner: &str, form: &Form, dir: &Path) -> ApiResult<SourceVideo> {
    let (path, from_id, bundle) = if let Some(up) = form.files.get("video") {
        if up.bytes.is_empty() {
            return Err(ApiError::invalid("video", "the uploaded video is empty"));
        }
        let ext = video_ext(up.filename.as_deref());
        std::fs::create_dir_all(dir)
            .map_err(|e| ApiError::internal(format!("cannot create job folder: {e}")))?;
        let path = dir.join(format!("source.{ext}"));
        std::fs::write(&path, &up.bytes)
            .map_err(|e| ApiError::internal(format!("cannot store the upload: {e}")))?;
        (path, None, None)
    } else {
        let Some(id) = form.text("video[id]").or(form.text("video")) else {
            return Err(ApiError::missing("video"));
        };
        let id = id.trim();
        if !valid_id(id) {
            return Err(ApiError::invalid(
                "video[id]",
                format!(
                    "{id:?} is not a video id (expected video_ followed by letters and digits)"
                ),
            ));
        }
        let job = find_job(s, owner, id)?;
        if job.status != "completed" {
            return Err(ApiError::invalid(
                "video[id]",
                format!(
                    "video '{id}' is {}; only a completed video can be used",
                    job.status
                ),
            ));
        }
        let src = s.job_dir(id).join(VIDEO_FILE);
        let bundle = reel_render::read_request(&src).ok().map(|r| r.model);
        std::fs::create_dir_all(dir)
            .map_err(|e| ApiError::internal(format!("cannot create job folder: {e}")))?;
        let path = dir.join("source.mp4");
        std::fs::copy(&src, &path).map_err(|_| ApiError::not_found("content of video", id))?;
        (path, Some(id.to_string()), bundle)
    };
    let p = path.clone();
    let probe = tokio::task::spawn_blocking(move || {
        reel_media::read_video(&p).map(|v| (v.width(), v.height(), v.len() as f64 / v.fps))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    match probe {
        Ok((width, height, seconds)) => Ok(SourceVideo {
            path,
            from_id,
            bundle,
            width,
            height,
            seconds,
        }),
        Err(e) => {
            let _ = std::fs::remove_dir_all(dir);
            Err(ApiError::invalid(
                if from_id.is_some() {
                    "video[id]"
                } else {
                    "video"
                },
                format!("the video cannot be decoded: {e:#}"),
            ))
        }
    }
}

/// Stores an edit's uploaded mask next to the source and checks it fits the source (decodable,
/// same shape, one image or one mask frame per source frame), so a bad mask is a 400 now rather
/// than a failed job later.
async fn store_mask(up: &Upload, dir: &Path, source: &Path) -> ApiResult<String> {
    let ext = up
        .filename
        .as_deref()
        .and_then(|f| Path::new(f).extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| {
            matches!(
                e.as_str(),
                "png" | "jpg" | "jpeg" | "webp" | "gif" | "mp4" | "m4v" | "y4m"
            )
        })
        .unwrap_or_else(|| "png".into());
    let path = dir.join(format!("mask.{ext}"));
    std::fs::write(&path, &up.bytes)
        .map_err(|e| ApiError::internal(format!("cannot store the mask: {e}")))?;
    let (m, src) = (
        path.to_string_lossy().into_owned(),
        source.to_string_lossy().into_owned(),
    );
    let checked = {
        let (m, src) = (m.clone(), src.clone());
        tokio::task::spawn_blocking(move || reel_render::check_mask(&m, &src))
    }
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    // The server's own file names mean nothing to the caller: name the parts instead.
    checked.map_err(|e| {
        let msg = format!("{e:#}")
            .replace(&format!("mask {m}"), "the mask")
            .replace(&format!("the clip {src}"), "the video")
            .replace(&m, "the mask")
            .replace(&src, "the video");
        ApiError::invalid("mask", msg)
    })?;
    Ok(m)
}

/// Edits and extensions: the source on the timeline (kept whole for extensions, partly renoised
/// for edits), at the model's frame rate and a size mapped like create's.
async fn video_job(
    s: &Shared,
    owner: String,
    form: Form,
    extension: Option<f64>,
) -> ApiResult<Response> {
    let prompt = form.required("prompt")?;
    let strength = match form.text("strength") {
        None => 0.5,
        Some(t) => match t.trim().parse::<f32>() {
            Ok(x) if (0.0..=1.0).contains(&x) => x,
            _ => {
                return Err(ApiError::invalid(
                    "strength",
                    format!("strength must be within [0, 1], got {t:?}"),
                ))
            }
        },
    };
    if let Some(up) = form.files.get("mask") {
        if extension.is_some() {
            return Err(ApiError::invalid(
                "mask",
                "a mask applies to edits only; an extension keeps every source frame",
            ));
        }
        if up.bytes.is_empty() {
            return Err(ApiError::invalid("mask", "the uploaded mask is empty"));
        }
        if strength <= 0.0 {
            return Err(ApiError::invalid(
                "strength",
                "with a mask, strength must be above 0 (it is how much the masked region changes)",
            ));
        }
    }
    moderate(s, &prompt)?;
    check_capacity(s)?;
    let id = new_id();
    let dir = s.job_dir(&id);
    let src = source_video(s, &owner, &form, &dir).await?;
    let fail = |e: ApiError| {
        let _ = std::fs::remove_dir_all(&dir);
        e
    };
    let mask = match form.files.get("mask") {
        Some(up) => Some(store_mask(up, &dir, &src.path).await.map_err(fail)?),
        None => None,
    };
    let model = form
        .text("model")
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or("sora-2")
        .to_string();
    let total = src.seconds + extension.unwrap_or(0.0);
    if total > s.config.max_seconds * 2.0 {
        return Err(fail(ApiError::invalid(
            "video",
            format!("the result would be {total:.1} s, too long for this server"),
        )));
    }
    let plan = plan(
        s,
        &model,
        Some("1"),
        Some(&format!("{}x{}", src.width, src.height)),
    )
    .map_err(fail)?;
    let req = RenderRequest {
        prompt: prompt.clone(),
        model: Some(
            src.bundle
                .clone()
                .unwrap_or_else(|| plan.bundle.to_string_lossy().into_owned()),
        ),
        width: Some(plan.width),
        height: Some(plan.height),
        fps: Some(plan.fps),
        steps: plan.steps,
        seed: Some(rand::random::<u32>() as u64),
        clips: vec![ClipInput {
            path: src.path.to_string_lossy().into_owned(),
            at: ClipAt::Start,
            // Extensions keep every source frame; edits keep 1 − strength of it.
            strength: if extension.is_some() {
                1.0
            } else {
                1.0 - strength
            },
            mask,
        }],
        new_seconds: extension,
        ..Default::default()
    };
    queue_job(
        s,
        Job::queued(
            id,
            owner,
            model,
            prompt,
            fmt_seconds(total),
            plan.size(),
            src.from_id,
            serde_json::to_string(&req).map_err(|e| ApiError::internal(e.to_string()))?,
        ),
    )
}

async fn edit(State(s): State<AppState>, headers: HeaderMap, req: Request) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let form = read_form(&s, req).await?;
    video_job(&s, owner, form, None).await
}

async fn extend(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let form = read_form(&s, req).await?;
    let seconds = form.required("seconds")?;
    let secs = match seconds.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= s.config.max_seconds => x,
        _ => {
            return Err(ApiError::invalid(
                "seconds",
                format!(
                    "seconds must be a positive number up to {}, got {seconds:?}",
                    s.config.max_seconds
                ),
            ))
        }
    };
    video_job(&s, owner, form, Some(secs)).await
}

/// Magic bytes → the extension the provenance reader expects.
fn sniff_ext(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some("mp4")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(b"GIF8") {
        Some("gif")
    } else {
        None
    }
}

async fn provenance_check(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Response> {
    let owner = owner(&s, &headers)?;
    let form = read_form(&s, req).await?;
    let up = form
        .files
        .get("file")
        .ok_or_else(|| ApiError::missing("file"))?;
    // The mark is tested against this owner's own outputs only: it never names another's.
    let made = s.store.completed(&owner)?;
    let candidates: Vec<reel_safety::watermark::Payload> = made
        .iter()
        .map(|j| reel_safety::watermark::Payload::from_output_id(&j.id))
        .collect();
    let ext = sniff_ext(&up.bytes).ok_or_else(|| {
        ApiError::invalid(
            "file",
            "file must be an MP4, PNG or GIF (the formats that carry C2PA here)",
        )
    })?;
    let scratch = s.data_dir.join("uploads").join(new_id());
    std::fs::create_dir_all(&scratch)
        .map_err(|e| ApiError::internal(format!("cannot create scratch folder: {e}")))?;
    let path = scratch.join(format!("check.{ext}"));
    std::fs::write(&path, &up.bytes)
        .map_err(|e| ApiError::internal(format!("cannot store the upload: {e}")))?;
    let p = path.clone();
    let result = tokio::task::spawn_blocking(move || {
        let c2pa = reel_safety::provenance::verify_file(&p, None)?;
        // The invisible mark survives re-encoding that strips the manifest.
        let mark = reel_safety::watermark::detect_file(&p, &candidates).ok();
        anyhow::Ok((c2pa, mark))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()));
    let _ = std::fs::remove_dir_all(&scratch);
    let (c2pa, mark) =
        result?.map_err(|e| ApiError::invalid("file", format!("cannot check the file: {e:#}")))?;
    let mut results = vec![c2pa.to_openai_result()];
    if let Some((m, found)) = mark {
        let mut result = json!({
            "type": "reel_watermark",
            "outcome": if m.detected { "detected" } else { "not_detected" },
            "confidence": m.confidence,
        });
        // Like SynthID's result: which of the owner's videos it is, by which model, and when.
        if let Some(job) = found.and_then(|f| made.get(f.index)) {
            result["video_id"] = json!(job.id);
            result["model"] = json!(job.model);
            result["generated_at"] = json!(job.completed_at);
        }
        results.push(result);
    }
    Ok(ok_json(json!({
        "object": "content_provenance_check",
        "created_at": now(),
        "results": results,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_down_keeping_aspect_and_snap() {
        // 720x1280 onto 64x64 = 4096 px with granularity 16: scale = sqrt(4096/921600) = 1/15,
        // 48 x 85.3 → 48 x 80.
        assert_eq!(map_size(720, 1280, 16, 4096), (48, 80));
        assert_eq!(map_size(1280, 720, 16, 4096), (80, 48));
        // Small requests are only snapped, never enlarged.
        assert_eq!(map_size(40, 40, 16, 4096), (48, 48));
        assert_eq!(map_size(5, 5, 16, 4096), (16, 16));
        assert_eq!(map_size(64, 64, 16, 4096), (64, 64));
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("720x1280"), Some((720, 1280)));
        assert_eq!(parse_size("1792X1024"), Some((1792, 1024)));
        assert_eq!(parse_size("0x10"), None);
        assert_eq!(parse_size("-5x10"), None);
        assert_eq!(parse_size("big"), None);
    }

    #[test]
    fn ids_refuse_paths() {
        assert!(valid_id("video_abc123"));
        assert!(!valid_id("video_../../etc/passwd"));
        assert!(!valid_id("/etc/passwd"));
        assert!(!valid_id("video_"));
    }

    #[test]
    fn seconds_format() {
        assert_eq!(fmt_seconds(4.0), "4");
        assert_eq!(fmt_seconds(33.0 / 8.0), "4.125");
        assert_eq!(fmt_seconds(1.0 / 3.0), "0.333");
    }

    #[test]
    fn data_urls() {
        let ok = data_url("data:image/png;base64,aGVsbG8=", "x").unwrap();
        assert_eq!(ok, b"hello");
        assert!(data_url("https://example.com/a.png", "x").is_err());
        assert!(data_url("data:image/png,raw", "x").is_err());
    }
}
