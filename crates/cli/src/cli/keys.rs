//! `sessionkey keygen`.

use std::io::Write;

use serde_json::json;

use super::args::KeygenArgs;
use super::common::{password, PASSWORD_ENV};
use super::{CliError, Output};
use sessionkey_sdk::key::SessionKey;
use sessionkey_sdk::keystore::ScryptCost;

pub(super) fn keygen(a: KeygenArgs) -> Result<Output, CliError> {
    let key = SessionKey::generate();
    let address = key.address().to_checksum(None);
    let Some(path) = a.out else {
        return Ok(Output::ok(
            format!(
                "address      {address}\nprivate key  {}\n(keep the private key secret; or use --out FILE to write it to a file)\n",
                key.private_key_hex()
            ),
            json!({ "address": address, "privateKey": key.private_key_hex() }),
        ));
    };
    if path.exists() && !a.force {
        return Err(CliError::new(format!(
            "--out: {} already exists (use --force to overwrite)",
            path.display()
        )));
    }
    let contents = if a.keystore {
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
        key.to_keystore(&pw, cost)
    } else {
        format!("{}\n", key.private_key_hex())
    };
    write_private(&path, contents.as_bytes())
        .map_err(|e| CliError::new(format!("--out: cannot write {}: {e}", path.display())))?;
    let kind = if a.keystore { "keystore" } else { "hex key" };
    Ok(Output::ok(
        format!("address  {address}\n{kind} written to {}\n", path.display()),
        json!({ "address": address, "file": path.display().to_string(), "format": if a.keystore { "keystore" } else { "hex" } }),
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
