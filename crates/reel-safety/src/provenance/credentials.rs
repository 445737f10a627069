//! Generating a C2PA-conformant signing identity: a root CA and an ES256 end-entity certificate.
//!
//! C2PA (and c2pa-rs) require of the signing certificate: X.509 v3, not a CA, not self-signed,
//! digitalSignature key usage, an allowed EKU (we use emailProtection, accepted by c2pa-rs),
//! and both subject and authority key identifiers.

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};

/// PEM-encoded signing identity.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Root CA certificate: the trust anchor for `verify --trust-anchors`.
    pub ca_pem: String,
    /// End-entity signing certificate.
    pub cert_pem: String,
    /// PKCS#8 private key of the end-entity certificate.
    pub key_pem: String,
}

impl Credentials {
    /// The chain c2pa embeds in the signature: signing certificate, then the CA.
    pub fn chain_pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.ca_pem)
    }

    /// Write `ca.pem`, `chain.pem` and `key.pem` into `dir`.
    pub fn write_to(&self, dir: &std::path::Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (name, body) in [
            ("ca.pem", self.ca_pem.clone()),
            ("chain.pem", self.chain_pem()),
            ("key.pem", self.key_pem.clone()),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, body).with_context(|| format!("cannot write {}", p.display()))?;
        }
        Ok(())
    }
}

fn name(common: &str, org: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common);
    dn.push(DnType::OrganizationName, org);
    dn
}

/// Generate a fresh CA and signing certificate (ES256), valid from yesterday for one year.
/// `org` becomes the organisation (the "issuer" shown by `reel verify`).
pub fn generate_credentials(org: &str) -> Result<Credentials> {
    let now = rcgen::date_time_ymd(1970, 1, 1)
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("system clock before 1970")?;
    let day = std::time::Duration::from_secs(86_400);

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name = name(&format!("{org} Root CA"), org);
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = now - day;
    ca.not_after = now + 366 * day;
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let ee_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut ee = CertificateParams::new(Vec::<String>::new())?;
    ee.distinguished_name = name(&format!("{org} C2PA Signer"), org);
    // ExplicitNoCa writes basicConstraints CA:false and the subject key identifier.
    ee.is_ca = IsCa::ExplicitNoCa;
    ee.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    ee.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    ee.use_authority_key_identifier_extension = true;
    ee.not_before = now - day;
    ee.not_after = now + 365 * day;
    let ee_cert = ee.signed_by(&ee_key, &issuer)?;

    Ok(Credentials {
        ca_pem: ca_cert.pem(),
        cert_pem: ee_cert.pem(),
        key_pem: ee_key.serialize_pem(),
    })
}
