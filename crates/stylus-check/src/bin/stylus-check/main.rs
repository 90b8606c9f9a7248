//! `stylus-check <wasm-path>`: checks a compiled WASM against the Stylus activation rules,
//! compares the brotli-compressed size with `--max-compressed`, and reports sizes.

mod args;
mod report;

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stylus_check::{
    check_activation_with, compress_wasm, deployable_code, ActivationError, CheckOptions,
    DEPLOYED_HEADER_BYTES, MAX_DEPLOYED_CODE,
};

use args::{CheckArgs, Command, Format, UsageError};
use report::{grouped, Summary, VariantSizes};

/// Why the command failed.
#[derive(Debug)]
enum CliError {
    Usage(UsageError),
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    Activation(ActivationError),
    /// The brotli-compressed WASM is longer than `--max-compressed`.
    CompressedTooLarge {
        brotli_bytes: usize,
        limit: usize,
    },
    /// The deployed code (4 + brotli) is longer than the chain accepts.
    DeployedTooLarge {
        deployed_bytes: usize,
    },
}

impl CliError {
    /// Short name of the violated rule (or of the failure class).
    fn rule(&self) -> &'static str {
        match self {
            Self::Usage(_) => "usage",
            Self::Read { .. } | Self::Write { .. } => "io",
            Self::Activation(error) => error.rule(),
            Self::CompressedTooLarge { .. } => "compressed-size",
            Self::DeployedTooLarge { .. } => "deployed-size",
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Read { .. } | Self::Write { .. } => 2,
            Self::Activation(_)
            | Self::CompressedTooLarge { .. }
            | Self::DeployedTooLarge { .. } => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(error) => write!(f, "{error} (see --help)"),
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
            Self::Activation(error) => error.fmt(f),
            Self::CompressedTooLarge {
                brotli_bytes,
                limit,
            } => write!(
                f,
                "brotli-compressed WASM is {} bytes, over --max-compressed {} (deployed code would be {} bytes)",
                grouped(*brotli_bytes),
                grouped(*limit),
                grouped(brotli_bytes + DEPLOYED_HEADER_BYTES)
            ),
            Self::DeployedTooLarge { deployed_bytes } => write!(
                f,
                "deployed code is {} bytes, over the chain's {}-byte contract size limit",
                grouped(*deployed_bytes),
                grouped(MAX_DEPLOYED_CODE)
            ),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Usage(error) => Some(error),
            Self::Activation(error) => Some(error),
            _ => None,
        }
    }
}

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(error) => return fail(None, Format::Human, &CliError::Usage(error)),
    };
    match command {
        Command::Help => {
            println!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        Command::BrotliSize { wasm } => match read(&wasm) {
            Ok(bytes) => {
                println!("{}", compress_wasm(&bytes).len());
                ExitCode::SUCCESS
            }
            Err(error) => fail(Some(&wasm), Format::Human, &error),
        },
        Command::CodeHash { wasm } => match read(&wasm) {
            Ok(bytes) => {
                let code = deployable_code(&bytes);
                println!("{}", alloy_primitives::keccak256(code));
                ExitCode::SUCCESS
            }
            Err(error) => fail(Some(&wasm), Format::Human, &error),
        },
        Command::InlineData { wasm, out } => match read(&wasm) {
            Ok(bytes) => match stylus_check::inline_data_segments(&bytes) {
                Ok(inlined) => match std::fs::write(&out, inlined) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(error) => {
                        eprintln!("stylus-check: writing {}: {error}", out.display());
                        ExitCode::from(2)
                    }
                },
                Err(error) => {
                    eprintln!("stylus-check: {}: {error}", wasm.display());
                    ExitCode::from(1)
                }
            },
            Err(error) => fail(Some(&wasm), Format::Human, &error),
        },
        Command::Check(check) => match run_check(&check) {
            Ok(outcome) => {
                print!("{}", outcome.report);
                let _ = std::io::stdout().flush();
                match outcome.size_error {
                    // The JSON report already carries the failure.
                    Some(error) => fail(Some(&check.wasm), Format::Human, &error),
                    None => ExitCode::SUCCESS,
                }
            }
            Err(error) => fail(Some(&check.wasm), check.format, &error),
        },
    }
}

/// A check that got as far as measuring sizes.
struct Outcome {
    /// The report to print on stdout.
    report: String,
    /// A violated size limit; the report is still printed, the deployed code is not written.
    size_error: Option<CliError>,
}

/// Runs every check and returns the report to print.
fn run_check(check: &CheckArgs) -> Result<Outcome, CliError> {
    let wasm = read(&check.wasm)?;
    let options = CheckOptions {
        allow_debug: check.allow_debug,
    };
    let activation = check_activation_with(&wasm, options).map_err(CliError::Activation)?;
    let code = deployable_code(&wasm);
    let brotli_bytes = code.len() - DEPLOYED_HEADER_BYTES;
    let size_error = if brotli_bytes > check.max_compressed {
        Some(CliError::CompressedTooLarge {
            brotli_bytes,
            limit: check.max_compressed,
        })
    } else if code.len() > MAX_DEPLOYED_CODE {
        Some(CliError::DeployedTooLarge {
            deployed_bytes: code.len(),
        })
    } else {
        None
    };

    let mut variants = Vec::with_capacity(check.variants.len());
    for variant in &check.variants {
        let bytes = read(&variant.path)?;
        variants.push(VariantSizes {
            label: &variant.label,
            path: &variant.path,
            wasm_bytes: bytes.len(),
            brotli_bytes: compress_wasm(&bytes).len(),
        });
    }

    if let (Some(path), None) = (&check.write_deployed, &size_error) {
        std::fs::write(path, hex(&code)).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
    }

    let failure = size_error
        .as_ref()
        .map(|error| (error.rule(), error.to_string()));
    let summary = Summary {
        path: &check.wasm,
        activation: &activation,
        brotli_bytes,
        max_compressed: check.max_compressed,
        target: check.target,
        variants: &variants,
        failure: failure
            .as_ref()
            .map(|(rule, message)| (*rule, message.as_str())),
    };
    let report = match check.format {
        Format::Human => report::human(&summary),
        Format::Json => report::json(&summary),
        Format::Markdown => report::markdown(&summary),
    };
    Ok(Outcome { report, size_error })
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })
}

/// `0x`-prefixed lowercase hex, no trailing newline.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
    }
    out
}

/// Prints the one-line error (and a JSON failure object with `--json`) and picks the exit code.
fn fail(path: Option<&Path>, format: Format, error: &CliError) -> ExitCode {
    let subject = path
        .map(|path| format!("{}: ", path.display()))
        .unwrap_or_default();
    // Keep it to one line whatever the parser's message looks like.
    let message = error.to_string().replace(['\n', '\r'], " ");
    eprintln!("stylus-check: {subject}{}: {message}", error.rule());
    if let (Format::Json, Some(path)) = (format, path) {
        print!("{}", report::json_failure(path, error.rule(), &message));
    }
    ExitCode::from(error.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_prefixed_and_lowercase() {
        assert_eq!(hex(&[0xEF, 0xF0, 0x00, 0x0a]), "0xeff0000a");
        assert_eq!(hex(&[]), "0x");
    }
}
