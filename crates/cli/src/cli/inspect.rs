//! `sessionkey inspect`.

use alloy_primitives::hex;

use super::args::InspectArgs;
use super::common::{book, read_text};
use super::{CliError, Output};
use sessionkey_sdk::inspect::inspect as inspect_data;
use sessionkey_sdk::permission_file;

pub(super) fn inspect(a: InspectArgs) -> Result<Output, CliError> {
    let mut functions = book(&a.functions)?;
    if let Some(path) = &a.permission {
        // Only its signatures matter here; the signer may be absent.
        let text = read_text(path, "--permission")?;
        let fmt = permission_file::Format::detect(path, &text);
        let any = alloy_primitives::Address::repeat_byte(1);
        let p = permission_file::parse(&text, fmt, path, None)
            .or_else(|_| permission_file::parse(&text, fmt, path, Some(any)))
            .map_err(|e| CliError::new(format!("--permission {}: {e}", path.display())))?;
        functions.extend(&p.functions);
    }
    let raw = match a.data.strip_prefix('@') {
        Some(path) => read_text(std::path::Path::new(path), "DATA")?,
        None => a.data.clone(),
    };
    let data = hex::decode(raw.trim()).map_err(|_| {
        CliError::new(format!(
            "DATA: `{}` is not hex (0x…), nor @FILE",
            short(&raw)
        ))
    })?;
    if data.is_empty() {
        return Err(CliError::new("DATA: empty"));
    }
    let node = inspect_data(&data, &functions);
    Ok(Output::ok(node.to_text(), node.json))
}

fn short(s: &str) -> String {
    let t = s.trim();
    if t.len() > 24 {
        format!(
            "{}…",
            &t[..t.char_indices().nth(24).map_or(t.len(), |(i, _)| i)]
        )
    } else {
        t.to_owned()
    }
}
