//! Job state in SQLite (WAL): every job is a row, so a restart sees exactly what was queued.

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Mutex;

#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: String,
    pub owner: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub status: String,
    pub progress: i64,
    pub model: String,
    pub prompt: Option<String>,
    pub seconds: String,
    pub size: String,
    pub remixed_from: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The `reel_render::Request` to run, as JSON.
    pub spec: String,
}

impl Job {
    /// A new job waiting for a worker; the three creating endpoints differ only in these values.
    #[allow(clippy::too_many_arguments)]
    pub fn queued(
        id: String,
        owner: String,
        model: String,
        prompt: String,
        seconds: String,
        size: String,
        remixed_from: Option<String>,
        spec: String,
    ) -> Self {
        Self {
            id,
            owner,
            created_at: crate::now(),
            completed_at: None,
            expires_at: None,
            status: "queued".into(),
            progress: 0,
            model,
            prompt: Some(prompt),
            seconds,
            size,
            remixed_from,
            error_code: None,
            error_message: None,
            spec,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == "queued" || self.status == "in_progress"
    }

    /// The OpenAI `Video` object.
    pub fn to_json(&self) -> Value {
        let error = match (&self.error_code, &self.error_message) {
            (Some(c), Some(m)) => json!({"code": c, "message": m}),
            _ => Value::Null,
        };
        json!({
            "id": self.id,
            "object": "video",
            "created_at": self.created_at,
            "completed_at": self.completed_at,
            "expires_at": self.expires_at,
            "status": self.status,
            "progress": self.progress,
            "model": self.model,
            "prompt": self.prompt,
            "seconds": self.seconds,
            "size": self.size,
            "remixed_from_video_id": self.remixed_from,
            "error": error,
        })
    }
}

const COLUMNS: &str = "id, owner, created_at, completed_at, expires_at, status, progress, model, \
                       prompt, seconds, size, remixed_from, error_code, error_message, spec";

fn row_to_job(r: &Row) -> rusqlite::Result<Job> {
    Ok(Job {
        id: r.get(0)?,
        owner: r.get(1)?,
        created_at: r.get(2)?,
        completed_at: r.get(3)?,
        expires_at: r.get(4)?,
        status: r.get(5)?,
        progress: r.get(6)?,
        model: r.get(7)?,
        prompt: r.get(8)?,
        seconds: r.get(9)?,
        size: r.get(10)?,
        remixed_from: r.get(11)?,
        error_code: r.get(12)?,
        error_message: r.get(13)?,
        spec: r.get(14)?,
    })
}

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open job database {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS jobs (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                owner TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                completed_at INTEGER,
                expires_at INTEGER,
                status TEXT NOT NULL,
                progress INTEGER NOT NULL DEFAULT 0,
                model TEXT NOT NULL,
                prompt TEXT,
                seconds TEXT NOT NULL,
                size TEXT NOT NULL,
                remixed_from TEXT,
                error_code TEXT,
                error_message TEXT,
                spec TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, seq);
            CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner, seq);
            CREATE TABLE IF NOT EXISTS files (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                owner TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER,
                bytes INTEGER NOT NULL,
                filename TEXT NOT NULL,
                purpose TEXT NOT NULL,
                mime TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS files_owner ON files(owner, seq);
            CREATE TABLE IF NOT EXISTS characters (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                owner TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                name TEXT NOT NULL,
                clip TEXT NOT NULL
            );",
        )
        .context("cannot create the job database tables")?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (statements are atomic).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn insert(&self, j: &Job) -> Result<()> {
        self.conn().execute(
            &format!("INSERT INTO jobs ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"),
            params![
                j.id, j.owner, j.created_at, j.completed_at, j.expires_at, j.status, j.progress,
                j.model, j.prompt, j.seconds, j.size, j.remixed_from, j.error_code,
                j.error_message, j.spec
            ],
        )?;
        Ok(())
    }

    pub fn get(&self, id: &str) -> Result<Option<Job>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                [id],
                row_to_job,
            )
            .optional()?)
    }

    /// One page of an owner's jobs after the job `after` (exclusive), newest first unless `asc`.
    /// Returns the page and whether more follow.
    pub fn list(
        &self,
        owner: &str,
        after: Option<&str>,
        limit: usize,
        asc: bool,
    ) -> Result<Option<(Vec<Job>, bool)>> {
        let conn = self.conn();
        let cursor: Option<i64> = match after {
            Some(a) => {
                let seq = conn
                    .query_row(
                        "SELECT seq FROM jobs WHERE id = ?1 AND owner = ?2",
                        params![a, owner],
                        |r| r.get(0),
                    )
                    .optional()?;
                match seq {
                    Some(s) => Some(s),
                    None => return Ok(None),
                }
            }
            None => None,
        };
        let (cmp, ord) = if asc { (">", "ASC") } else { ("<", "DESC") };
        let bound = cursor.unwrap_or(if asc { i64::MIN } else { i64::MAX });
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE owner = ?1 AND seq {cmp} ?2 ORDER BY seq {ord} LIMIT ?3"
        ))?;
        let mut jobs = stmt
            .query_map(params![owner, bound, (limit + 1) as i64], row_to_job)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let more = jobs.len() > limit;
        jobs.truncate(limit);
        Ok(Some((jobs, more)))
    }

    /// An owner's completed jobs, oldest first: the outputs a provenance check can tie a file to.
    pub fn completed(&self, owner: &str) -> Result<Vec<Job>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE owner = ?1 AND status = 'completed' ORDER BY seq ASC"
        ))?;
        let jobs = stmt
            .query_map(params![owner], row_to_job)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(jobs)
    }

    /// Takes the oldest queued job and marks it running, atomically.
    pub fn claim_next(&self) -> Result<Option<Job>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let job = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1"),
                [],
                row_to_job,
            )
            .optional()?;
        if let Some(j) = &job {
            tx.execute(
                "UPDATE jobs SET status = 'in_progress', progress = 0 WHERE id = ?1",
                [&j.id],
            )?;
        }
        tx.commit()?;
        Ok(job.map(|mut j| {
            j.status = "in_progress".into();
            j
        }))
    }

    pub fn set_progress(&self, id: &str, progress: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE jobs SET progress = ?2 WHERE id = ?1 AND status = 'in_progress'",
            params![id, progress],
        )?;
        Ok(())
    }

    /// Marks a running job completed with the values it actually has. False if it was deleted.
    pub fn complete(
        &self,
        id: &str,
        now: i64,
        expires_at: i64,
        seconds: &str,
        size: &str,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE jobs SET status = 'completed', progress = 100, completed_at = ?2, \
             expires_at = ?3, seconds = ?4, size = ?5 WHERE id = ?1",
            params![id, now, expires_at, seconds, size],
        )?;
        Ok(n == 1)
    }

    pub fn fail(&self, id: &str, now: i64, expires_at: i64, code: &str, msg: &str) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE jobs SET status = 'failed', completed_at = ?2, expires_at = ?3, \
             error_code = ?4, error_message = ?5 WHERE id = ?1",
            params![id, now, expires_at, code, msg],
        )?;
        Ok(n == 1)
    }

    pub fn delete(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM jobs WHERE id = ?1", [id])?
            == 1)
    }

    /// Jobs queued or running, over all owners.
    pub fn active_count(&self) -> Result<usize> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'in_progress')",
            [],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// After a crash: jobs left running can't be resumed mid-sampling, so they fail with a clear
    /// error; queued ones stay queued. Returns how many were failed.
    pub fn recover(&self, now: i64, expires_at: i64) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE jobs SET status = 'failed', completed_at = ?1, expires_at = ?2, \
             error_code = 'server_interrupted', \
             error_message = 'the server stopped while this video was being generated \
             (crash or kill); create it again' \
             WHERE status = 'in_progress'",
            params![now, expires_at],
        )?)
    }

    /// Ids of finished jobs whose expiry has passed.
    pub fn expired(&self, now: i64) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= ?1 \
             AND status IN ('completed', 'failed')",
        )?;
        let ids = stmt
            .query_map([now], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    // ------------------------------------------------------------ files

    pub fn insert_file(&self, f: &FileRec) -> Result<()> {
        self.conn().execute(
            &format!("INSERT INTO files ({FILE_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"),
            params![
                f.id,
                f.owner,
                f.created_at,
                f.expires_at,
                f.bytes,
                f.filename,
                f.purpose,
                f.mime
            ],
        )?;
        Ok(())
    }

    pub fn get_file(&self, id: &str) -> Result<Option<FileRec>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {FILE_COLUMNS} FROM files WHERE id = ?1"),
                [id],
                row_to_file,
            )
            .optional()?)
    }

    /// One page of an owner's files after the file `after` (exclusive), newest first unless
    /// `asc`, optionally only one purpose. `None` if `after` is not one of the owner's files.
    pub fn list_files(
        &self,
        owner: &str,
        after: Option<&str>,
        limit: usize,
        asc: bool,
        purpose: Option<&str>,
    ) -> Result<Option<(Vec<FileRec>, bool)>> {
        let conn = self.conn();
        let cursor: Option<i64> = match after {
            Some(a) => {
                let seq = conn
                    .query_row(
                        "SELECT seq FROM files WHERE id = ?1 AND owner = ?2",
                        params![a, owner],
                        |r| r.get(0),
                    )
                    .optional()?;
                match seq {
                    Some(s) => Some(s),
                    None => return Ok(None),
                }
            }
            None => None,
        };
        let (cmp, ord) = if asc { (">", "ASC") } else { ("<", "DESC") };
        let bound = cursor.unwrap_or(if asc { i64::MIN } else { i64::MAX });
        let mut stmt = conn.prepare(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE owner = ?1 AND seq {cmp} ?2 \
             AND (?3 IS NULL OR purpose = ?3) ORDER BY seq {ord} LIMIT ?4"
        ))?;
        let mut files = stmt
            .query_map(
                params![owner, bound, purpose, (limit + 1) as i64],
                row_to_file,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let more = files.len() > limit;
        files.truncate(limit);
        Ok(Some((files, more)))
    }

    pub fn delete_file(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM files WHERE id = ?1", [id])?
            == 1)
    }

    /// Ids of files whose `expires_after` has passed.
    pub fn expired_files(&self, now: i64) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id FROM files WHERE expires_at IS NOT NULL AND expires_at <= ?1")?;
        let ids = stmt
            .query_map([now], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    // ------------------------------------------------------------ characters

    pub fn insert_character(&self, c: &CharacterRec) -> Result<()> {
        self.conn().execute(
            "INSERT INTO characters (id, owner, created_at, name, clip) VALUES (?1,?2,?3,?4,?5)",
            params![c.id, c.owner, c.created_at, c.name, c.clip],
        )?;
        Ok(())
    }

    pub fn get_character(&self, id: &str) -> Result<Option<CharacterRec>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, owner, created_at, name, clip FROM characters WHERE id = ?1",
                [id],
                |r| {
                    Ok(CharacterRec {
                        id: r.get(0)?,
                        owner: r.get(1)?,
                        created_at: r.get(2)?,
                        name: r.get(3)?,
                        clip: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn delete_character(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM characters WHERE id = ?1", [id])?
            == 1)
    }
}

/// An uploaded file of the Files API; its bytes are `DATA/files/<id>`.
#[derive(Clone, Debug, PartialEq)]
pub struct FileRec {
    pub id: String,
    pub owner: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub bytes: i64,
    pub filename: String,
    pub purpose: String,
    /// Sniffed from the content (not the client's claim); served by `/content`.
    pub mime: String,
}

impl FileRec {
    /// OpenAI's `FileObject`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": null,
        })
    }
}

const FILE_COLUMNS: &str = "id, owner, created_at, expires_at, bytes, filename, purpose, mime";

fn row_to_file(r: &Row) -> rusqlite::Result<FileRec> {
    Ok(FileRec {
        id: r.get(0)?,
        owner: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        bytes: r.get(4)?,
        filename: r.get(5)?,
        purpose: r.get(6)?,
        mime: r.get(7)?,
    })
}

/// A character of `POST /v1/videos/characters`; its clip lives in `DATA/characters/<id>/`.
#[derive(Clone, Debug, PartialEq)]
pub struct CharacterRec {
    pub id: String,
    pub owner: String,
    pub created_at: i64,
    pub name: String,
    /// File name of the clip inside the character's folder.
    pub clip: String,
}

impl CharacterRec {
    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "created_at": self.created_at, "name": self.name})
    }
}
