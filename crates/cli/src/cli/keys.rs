//! `sessionkey keygen`.

use std::io::Write;

use serde_json::json;

use super::args::KeygenArgs;
use super::common::{password, PASSWORD_ENV};
use super::{at, CliError, Output};
use sessionkey_policy::signer::SignerKind;
use sessionkey_sdk::key::{kind_name, public_key_json, KeyError, SessionSigner};
use sessionkey_sdk::keystore::ScryptCost;

pub(super) fn keygen(a: KeygenArgs) -> Result<Output, CliError> {
    // Both origin errors start "origin": they name the flag.
    let signer = SessionSigner::generate(a.kind, a.origin.as_deref()).map_err(|e| match e {
        KeyError::OriginForKind { .. } => {
            CliError::new(format!("--{e} (--kind {})", kind_name(a.kind)))
        }
        other => CliError::new(format!("--{other}")),
    })?;
    let kind = kind_name(a.kind);
    let address = signer.address().to_checksum(None);
    let mut j = json!({ "kind": kind, "address": address });
    let mut about = format!("kind         {kind}\naddress      {address}\n");
    if let Some(k) = signer.signer_key().p256() {
        j["publicKey"] = public_key_json(k);
        about.push_str(&format!("public key   {},{}\n", k.x, k.y));
    }
    if let SessionSigner::Passkey { origin, .. } = &signer {
        j["origin"] = json!(origin);
        about.push_str(&format!("origin       {origin}\n"));
    }
    let Some(path) = a.out else {
        // A secp256k1 key prints as the hex it is kept as; the others as their key file, so a
        // pasted key keeps its kind.
        return Ok(match &signer {
            SessionSigner::Secp256k1(key) => {
                j["privateKey"] = json!(key.private_key_hex());
                Output::ok(
                    format!(
                        "address      {address}\nprivate key  {}\n(keep the private key secret; or use --out FILE to write it to a file)\n",
                        key.private_key_hex()
                    ),
                    j,
                )
            }
            _ => {
                let file = signer.to_key_file(None);
                j["keyFile"] = serde_json::from_str(&file).map_err(at("keygen"))?;
                Output::ok(
                    format!(
                        "{about}key file (keep it secret; save it as is, or use --out FILE):\n{file}"
                    ),
                    j,
                )
            }
        });
    };
    if path.exists() && !a.force {
        return Err(CliError::new(format!(
            "--out: {} already exists (use --force to overwrite)",
            path.display()
        )));
    }
    let encrypt = if a.keystore {
        let pw = password(a.password_file.as_deref())?.ok_or_else(|| {
            CliError::new(format!(
                "--keystore: needs a password (--password-file FILE or ${PASSWORD_ENV})"
            ))
        })?;
        let cost = if a.light_kdf {
            ScryptCost::Light
        } else {
            ScryptCost::Standard
        };
        Some((pw, cost))
    } else {
        None
    };
    let (contents, format) = match (&signer, encrypt) {
        (SessionSigner::Secp256k1(key), Some((pw, cost))) => {
            (key.to_keystore(&pw, cost), "keystore")
        }
        (SessionSigner::Secp256k1(key), None) => (format!("{}\n", key.private_key_hex()), "hex"),
        (_, Some((pw, cost))) => (signer.to_key_file(Some((&pw, cost))), "encrypted key file"),
        (_, None) => (signer.to_key_file(None), "key file"),
    };
    write_private(&path, contents.as_bytes())
        .map_err(|e| CliError::new(format!("--out: cannot write {}: {e}", path.display())))?;
    let what = match format {
        "hex" => "hex key",
        other => other,
    };
    j["file"] = json!(path.display().to_string());
    j["format"] = json!(format);
    let about = if a.kind == SignerKind::Secp256k1 {
        format!("address  {address}\n")
    } else {
        about
    };
    Ok(Output::ok(
        format!("{about}{what} written to {}\n", path.display()),
        j,
    ))
}

/// Writes a secret file readable by its owner only (on Unix).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)
}
