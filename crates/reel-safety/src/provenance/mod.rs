//! C2PA provenance: every file Reel writes carries a signed manifest saying it was generated
//! by a trained model (`trainedAlgorithmicMedia`), by which model, and from which request.
//!
//! Built on the `c2pa` crate 0.90.22 with native Rust crypto and no network features.
//! Supported here: MP4 (BMFF), PNG and GIF, all embedded in the file.

mod credentials;

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use c2pa::{Builder, BuilderIntent, Context, DigitalSourceType, Reader, SigningAlg};
use serde::Serialize;
use serde_json::{json, Value};

pub use credentials::{generate_credentials, Credentials};

/// The IPTC digital source type for output of a trained generative model.
pub const TRAINED_ALGORITHMIC_MEDIA: &str =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
/// Label of Reel's own assertion (model name/version, request hash, time).
pub const GENERATION_ASSERTION: &str = "org.reel.generation";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new generation (`c2pa.created`).
    Created,
    /// An edit, remix or extension of an earlier file (`c2pa.edited`, source as ingredient).
    Edited,
}

/// What to state about a generated file.
#[derive(Debug, Clone)]
pub struct ProvenanceClaim {
    pub action: Action,
    /// The source file for `Edited` (required then; it becomes the parent ingredient).
    pub ingredient: Option<PathBuf>,
    pub model_name: String,
    pub model_version: String,
    /// Hex hash of the request (prompt and parameters) that produced the file.
    pub request_hash: String,
}

/// Where the signing key and certificate chain come from.
#[derive(Debug, Clone, Default)]
pub struct SignerConfig {
    /// PEM certificate chain: signing certificate first, then intermediates.
    pub cert_chain_pem: Option<PathBuf>,
    /// PEM private key (PKCS#8) for the signing certificate.
    pub private_key_pem: Option<PathBuf>,
    /// Signature algorithm of the key; ES256 when not set.
    pub alg: Option<SigningAlg>,
}

impl SignerConfig {
    /// From `REEL_C2PA_CERT_CHAIN` and `REEL_C2PA_PRIVATE_KEY` (PEM paths); unset means ephemeral.
    pub fn from_env() -> Self {
        let path = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        SignerConfig {
            cert_chain_pem: path("REEL_C2PA_CERT_CHAIN"),
            private_key_pem: path("REEL_C2PA_PRIVATE_KEY"),
            alg: None,
        }
    }

    /// True when no key material is configured and an ephemeral signer will be used.
    pub fn is_ephemeral(&self) -> bool {
        self.cert_chain_pem.is_none() && self.private_key_pem.is_none()
    }
}

/// Map a path's extension to the MIME type c2pa expects; only formats Reel writes.
fn format_of(path: &Path) -> Result<&'static str> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "png" => "image/png",
        "gif" => "image/gif",
        _ => bail!(
            "cannot attach C2PA provenance to {}: only .mp4, .png and .gif are supported",
            path.display()
        ),
    })
}

fn context(trust_anchors_pem: Option<&str>) -> Result<Context> {
    let mut settings = json!({
        "verify": {
            "verify_trust": true,
            // Offline: never try to fetch remote manifests or OCSP responses.
            "remote_manifest_fetch": false,
            "ocsp_fetch": false,
        },
        "builder": {
            "claim_generator_info": {"name": "Reel", "version": env!("CARGO_PKG_VERSION")},
        },
    });
    if let Some(pem) = trust_anchors_pem {
        settings["trust"] = json!({ "user_anchors": pem });
    }
    Context::new()
        .with_settings(settings)
        .context("invalid C2PA settings")
}

fn now_rfc3339() -> String {
    // Civil time from the Unix clock (UTC), without a date crate.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn make_signer(cfg: &SignerConfig) -> Result<c2pa::BoxedSigner> {
    let alg = cfg.alg.unwrap_or(SigningAlg::Es256);
    match (&cfg.cert_chain_pem, &cfg.private_key_pem) {
        (Some(chain), Some(key)) => {
            let chain_pem = std::fs::read(chain)
                .with_context(|| format!("cannot read certificate chain {}", chain.display()))?;
            let key_pem = std::fs::read(key)
                .with_context(|| format!("cannot read private key {}", key.display()))?;
            c2pa::create_signer::from_keys(&chain_pem, &key_pem, alg, None).with_context(|| {
                format!(
                    "cannot build a {alg} signer from {} and {}",
                    chain.display(),
                    key.display()
                )
            })
        }
        (None, None) => {
            // One ephemeral identity (and one warning) per process.
            static EPHEMERAL: std::sync::OnceLock<Result<Credentials, String>> =
                std::sync::OnceLock::new();
            let creds = EPHEMERAL
                .get_or_init(|| {
                    eprintln!(
                        "warning: no C2PA signing key configured; using an ephemeral certificate. \
                         The output is signed but not attributable to anyone."
                    );
                    generate_credentials("Reel ephemeral signer").map_err(|e| format!("{e:#}"))
                })
                .as_ref()
                .map_err(|e| anyhow::anyhow!("cannot create the ephemeral C2PA identity: {e}"))?;
            c2pa::create_signer::from_keys(
                creds.chain_pem().as_bytes(),
                creds.key_pem.as_bytes(),
                SigningAlg::Es256,
                None,
            )
            .context("cannot build the ephemeral C2PA signer")
        }
        _ => bail!("C2PA signing needs both a certificate chain and a private key (PEM paths)"),
    }
}

/// Embed a signed C2PA manifest in `path`, replacing the file atomically.
pub fn sign_file(path: &Path, claim: &ProvenanceClaim, signer: &SignerConfig) -> Result<()> {
    let format = format_of(path)?;
    let signer = make_signer(signer)?;
    let generated_at = now_rfc3339();
    let title = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("reel output")
        .to_string();
    let mut builder = Builder::from_context(context(None)?)
        .with_definition(json!({ "title": title, "format": format }))
        .context("invalid C2PA manifest definition")?;
    let agent = json!({ "name": claim.model_name, "version": claim.model_version });
    match claim.action {
        Action::Created => {
            builder.set_intent(BuilderIntent::Create(
                DigitalSourceType::TrainedAlgorithmicMedia,
            ));
            builder.add_action(json!({
                "action": "c2pa.created",
                "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                "softwareAgent": agent,
            }))?;
        }
        Action::Edited => {
            let source = claim.ingredient.as_ref().context(
                "an edited file needs its source file as the ingredient (ProvenanceClaim::ingredient)",
            )?;
            let src_format = format_of(source)?;
            let mut src = std::fs::File::open(source)
                .with_context(|| format!("cannot open ingredient {}", source.display()))?;
            let ing_title = source
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("source");
            builder.set_intent(BuilderIntent::Edit);
            builder
                .add_ingredient_from_stream(
                    json!({ "title": ing_title, "relationship": "parentOf" }).to_string(),
                    src_format,
                    &mut src,
                )
                .with_context(|| format!("cannot read ingredient {}", source.display()))?;
            builder.add_action(json!({
                "action": "c2pa.edited",
                "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                "softwareAgent": agent,
            }))?;
        }
    }
    builder.add_assertion(
        GENERATION_ASSERTION,
        &json!({
            "model_name": claim.model_name,
            "model_version": claim.model_version,
            "request_hash": claim.request_hash,
            "generated_at": generated_at,
        }),
    )?;

    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut source =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".reel-c2pa-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    builder
        .sign(signer.as_ref(), format, &mut source, tmp.as_file_mut())
        .with_context(|| format!("C2PA signing of {} failed", path.display()))?;
    tmp.as_file_mut().flush()?;
    tmp.as_file_mut().rewind()?;
    // Keep the original file's permissions (temp files are created owner-only).
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Hex SHA-256 of a request's canonical bytes (e.g. its JSON), for [`ProvenanceClaim::request_hash`].
pub fn request_hash(request: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(request))
}

/// Validation outcome, in OpenAI's `validation_state` vocabulary plus `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationState {
    /// Valid and chains to a configured trust anchor.
    Trusted,
    /// Cryptographically intact, signer not trusted (or no anchors configured).
    Valid,
    /// A manifest is present but the file or the manifest fails validation.
    Invalid,
    /// No manifest.
    None,
}

impl ValidationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationState::Trusted => "trusted",
            ValidationState::Valid => "valid",
            ValidationState::Invalid => "invalid",
            ValidationState::None => "none",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub state: ValidationState,
    /// Issuer (organisation) of the signing certificate.
    pub issuer: Option<String>,
    /// Action names in the active manifest (`c2pa.created`, `c2pa.opened`, `c2pa.edited`...).
    pub actions: Vec<String>,
    /// "name version" from Reel's generation assertion or the action's software agent.
    pub model: Option<String>,
    pub request_hash: Option<String>,
    pub generated_at: Option<String>,
    /// Validation failure codes, if any (e.g. `assertion.dataHash.mismatch`).
    pub failures: Vec<String>,
}

impl VerifyReport {
    /// One entry of `results` in OpenAI's `content_provenance_check` object.
    pub fn to_openai_result(&self) -> Value {
        let (outcome, state) = match self.state {
            ValidationState::None => ("not_detected", "not_present"),
            s => ("detected", s.as_str()),
        };
        let mut v = json!({ "type": "c2pa", "outcome": outcome, "validation_state": state });
        if let Some(i) = &self.issuer {
            v["issuer"] = json!(i);
        }
        if let Some(m) = &self.model {
            v["model"] = json!(m);
        }
        if let Some(g) = &self.generated_at {
            v["generated_at"] = json!(g);
        }
        v
    }

    fn none() -> Self {
        VerifyReport {
            state: ValidationState::None,
            issuer: None,
            actions: vec![],
            model: None,
            request_hash: None,
            generated_at: None,
            failures: vec![],
        }
    }
}

/// Read and validate the C2PA manifest of `path`. `trust_anchors` is a PEM bundle of root
/// certificates; with it a valid manifest chaining to one of them reads as `Trusted`.
pub fn verify_file(path: &Path, trust_anchors: Option<&str>) -> Result<VerifyReport> {
    let format = format_of(path)?;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = match Reader::from_context(context(trust_anchors)?).with_stream(format, file) {
        Ok(r) => r,
        Err(c2pa::Error::JumbfNotFound) | Err(c2pa::Error::ProvenanceMissing) => {
            return Ok(VerifyReport::none())
        }
        Err(e) => {
            // A manifest is there but cannot even be parsed: tampered or truncated.
            let mut r = VerifyReport::none();
            r.state = ValidationState::Invalid;
            r.failures.push(e.to_string());
            return Ok(r);
        }
    };
    let state = match reader.validation_state() {
        c2pa::ValidationState::Trusted => ValidationState::Trusted,
        c2pa::ValidationState::Valid => ValidationState::Valid,
        c2pa::ValidationState::Invalid => ValidationState::Invalid,
    };
    let failures = reader
        .validation_results()
        .and_then(|r| r.active_manifest())
        .map(|m| m.failure().iter().map(|s| s.code().to_string()).collect())
        .unwrap_or_default();
    let mut report = VerifyReport {
        state,
        failures,
        ..VerifyReport::none()
    };
    let Some(manifest) = reader.active_manifest() else {
        report.state = ValidationState::Invalid;
        return Ok(report);
    };
    report.issuer = manifest.signature_info().and_then(|s| s.issuer.clone());
    for a in manifest.assertions() {
        let label = a.label();
        let Ok(v) = a.value() else { continue };
        if label.starts_with("c2pa.actions") {
            for act in v["actions"].as_array().into_iter().flatten() {
                if let Some(name) = act["action"].as_str() {
                    report.actions.push(name.to_string());
                }
                if report.model.is_none() {
                    report.model = agent_name(&act["softwareAgent"]);
                }
            }
        } else if label == GENERATION_ASSERTION {
            let s = |k: &str| v[k].as_str().map(String::from);
            if let (Some(n), Some(ver)) = (s("model_name"), s("model_version")) {
                report.model = Some(format!("{n} {ver}"));
            }
            report.request_hash = s("request_hash");
            report.generated_at = s("generated_at");
        }
    }
    if report.generated_at.is_none() {
        report.generated_at = manifest.signature_info().and_then(|s| s.time.clone());
    }
    Ok(report)
}

fn agent_name(v: &Value) -> Option<String> {
    match (v["name"].as_str(), v["version"].as_str()) {
        (Some(n), Some(ver)) => Some(format!("{n} {ver}")),
        (Some(n), None) => Some(n.to_string()),
        _ => None,
    }
}
