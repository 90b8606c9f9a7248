//! Hand-rolled command-line parsing (the surface is small; no parser crate needed).

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use stylus_check::MAX_COMPRESSED_WASM;

pub const USAGE: &str = "\
usage: stylus-check <wasm-path> [options]

Checks a compiled WASM against the Arbitrum Stylus activation rules and reports its size.

options:
  --max-compressed N     fail if the brotli-compressed WASM is longer than N bytes
                         (default 24572; the deployed code is 4 bytes longer: EF F0 00 + dictionary)
  --allow-debug          accept imports from module `console` (debug-mode chains only)
  --json                 print the report as JSON
  --markdown             print the report as a markdown table
  --write-deployed PATH  write the deployable code as 0x-prefixed hex to PATH (only if every check passes)
  --variant LABEL=PATH   also report the raw and brotli size of another build (repeatable; not checked)
  --target N             brotli size goal to show next to the limit (informational)
  --brotli-size          only print the brotli-compressed size of <wasm-path>, run no check
  --code-hash            only print keccak256 of <wasm-path>'s deployable code (its EXTCODEHASH once
                         deployed), run no check
  --inline-data OUT      write <wasm-path> to OUT with its data segments moved into code at the start
                         of user_entrypoint (Nitro charges 0.75 gas per segment byte on every call), run
                         no check
  -h, --help             print this help

exit status: 0 all checks pass, 1 a Stylus rule or size limit is violated, 2 usage or I/O error";

/// Output format of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

/// Another build of the same program whose sizes are shown for comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub label: String,
    pub path: PathBuf,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    BrotliSize { wasm: PathBuf },
    CodeHash { wasm: PathBuf },
    InlineData { wasm: PathBuf, out: PathBuf },
    Check(CheckArgs),
}

/// Arguments of a full check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckArgs {
    pub wasm: PathBuf,
    pub max_compressed: usize,
    pub allow_debug: bool,
    pub format: Format,
    pub write_deployed: Option<PathBuf>,
    pub variants: Vec<Variant>,
    pub target: Option<usize>,
}

/// A command line that cannot be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageError {
    MissingWasmPath,
    ExtraArgument(String),
    UnknownOption(String),
    MissingValue(&'static str),
    NotANumber { option: &'static str, value: String },
    BadVariant(String),
    NotUtf8(&'static str),
    TwoFormats,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingWasmPath => f.write_str("missing <wasm-path>"),
            Self::ExtraArgument(arg) => write!(f, "unexpected extra argument `{arg}`"),
            Self::UnknownOption(arg) => write!(f, "unknown option `{arg}`"),
            Self::MissingValue(option) => write!(f, "option {option} needs a value"),
            Self::NotANumber { option, value } => {
                write!(f, "option {option} needs a byte count, got `{value}`")
            }
            Self::BadVariant(value) => {
                write!(f, "option --variant needs LABEL=PATH, got `{value}`")
            }
            Self::NotUtf8(what) => write!(f, "{what} is not valid UTF-8"),
            Self::TwoFormats => f.write_str("--json and --markdown are mutually exclusive"),
        }
    }
}

impl std::error::Error for UsageError {}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let mut wasm: Option<PathBuf> = None;
    let mut brotli_size = false;
    let mut code_hash = false;
    let mut inline_out: Option<PathBuf> = None;
    let mut check = CheckArgs {
        wasm: PathBuf::new(),
        max_compressed: MAX_COMPRESSED_WASM,
        allow_debug: false,
        format: Format::Human,
        write_deployed: None,
        variants: Vec::new(),
        target: None,
    };

    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            // Only a path may be non-UTF-8.
            set_wasm(&mut wasm, arg)?;
            continue;
        };
        let (option, inline_value) = match text.split_once('=') {
            Some((option, value)) if option.starts_with("--") => (option, Some(value.to_owned())),
            _ => (text, None),
        };
        let mut value = |name: &'static str| -> Result<OsString, UsageError> {
            match &inline_value {
                Some(value) => Ok(OsString::from(value)),
                None => args.next().ok_or(UsageError::MissingValue(name)),
            }
        };
        match option {
            "-h" | "--help" => return Ok(Command::Help),
            "--max-compressed" => {
                check.max_compressed = number("--max-compressed", value("--max-compressed")?)?;
            }
            "--target" => check.target = Some(number("--target", value("--target")?)?),
            "--allow-debug" => check.allow_debug = true,
            "--json" => set_format(&mut check.format, Format::Json)?,
            "--markdown" => set_format(&mut check.format, Format::Markdown)?,
            "--write-deployed" => {
                check.write_deployed = Some(PathBuf::from(value("--write-deployed")?));
            }
            "--variant" => check.variants.push(variant(value("--variant")?)?),
            "--brotli-size" => brotli_size = true,
            "--code-hash" => code_hash = true,
            "--inline-data" => inline_out = Some(PathBuf::from(value("--inline-data")?)),
            "--" => {
                for rest in args.by_ref() {
                    set_wasm(&mut wasm, rest)?;
                }
            }
            _ if option.starts_with('-') && option.len() > 1 => {
                return Err(UsageError::UnknownOption(text.to_owned()));
            }
            _ => set_wasm(&mut wasm, arg)?,
        }
    }

    let wasm = wasm.ok_or(UsageError::MissingWasmPath)?;
    if brotli_size {
        return Ok(Command::BrotliSize { wasm });
    }
    if code_hash {
        return Ok(Command::CodeHash { wasm });
    }
    if let Some(out) = inline_out {
        return Ok(Command::InlineData { wasm, out });
    }
    check.wasm = wasm;
    Ok(Command::Check(check))
}

fn set_wasm(slot: &mut Option<PathBuf>, arg: OsString) -> Result<(), UsageError> {
    if slot.is_some() {
        return Err(UsageError::ExtraArgument(
            arg.to_string_lossy().into_owned(),
        ));
    }
    *slot = Some(PathBuf::from(arg));
    Ok(())
}

fn set_format(slot: &mut Format, format: Format) -> Result<(), UsageError> {
    if *slot != Format::Human && *slot != format {
        return Err(UsageError::TwoFormats);
    }
    *slot = format;
    Ok(())
}

fn number(option: &'static str, value: OsString) -> Result<usize, UsageError> {
    let text = value.to_str().ok_or(UsageError::NotUtf8(option))?;
    text.replace('_', "")
        .parse()
        .map_err(|_| UsageError::NotANumber {
            option,
            value: text.to_owned(),
        })
}

fn variant(value: OsString) -> Result<Variant, UsageError> {
    let text = value.to_str().ok_or(UsageError::NotUtf8("--variant"))?;
    match text.split_once('=') {
        Some((label, path)) if !label.is_empty() && !path.is_empty() => Ok(Variant {
            label: label.to_owned(),
            path: PathBuf::from(path),
        }),
        _ => Err(UsageError::BadVariant(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    fn check_args(args: &[&str]) -> CheckArgs {
        match parse_str(args) {
            Ok(Command::Check(check)) => check,
            other => panic!("{args:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let check = check_args(&["a.wasm"]);
        assert_eq!(check.wasm, PathBuf::from("a.wasm"));
        assert_eq!(check.max_compressed, 24_572);
        assert_eq!(check.format, Format::Human);
        assert!(!check.allow_debug && check.write_deployed.is_none() && check.target.is_none());
    }

    #[test]
    fn options_in_both_spellings() {
        let check = check_args(&[
            "--max-compressed",
            "12_000",
            "a.wasm",
            "--json",
            "--write-deployed=out.hex",
            "--variant",
            "raw=r.wasm",
            "--target=9000",
            "--allow-debug",
        ]);
        assert_eq!(check.max_compressed, 12_000);
        assert_eq!(check.format, Format::Json);
        assert_eq!(check.write_deployed, Some(PathBuf::from("out.hex")));
        assert_eq!(
            check.variants,
            [Variant {
                label: "raw".into(),
                path: "r.wasm".into()
            }]
        );
        assert_eq!(check.target, Some(9000));
        assert!(check.allow_debug);
    }

    #[test]
    fn other_commands() {
        assert_eq!(parse_str(&["--help", "x"]), Ok(Command::Help));
        assert_eq!(
            parse_str(&["--code-hash", "a.wasm"]),
            Ok(Command::CodeHash {
                wasm: PathBuf::from("a.wasm")
            })
        );
        assert_eq!(
            parse_str(&["--brotli-size", "a.wasm"]),
            Ok(Command::BrotliSize {
                wasm: "a.wasm".into()
            })
        );
        assert_eq!(
            check_args(&["--", "--odd-name.wasm"]).wasm,
            PathBuf::from("--odd-name.wasm")
        );
    }

    #[test]
    fn usage_errors() {
        assert_eq!(parse_str(&[]), Err(UsageError::MissingWasmPath));
        assert_eq!(
            parse_str(&["a", "b"]),
            Err(UsageError::ExtraArgument("b".into()))
        );
        assert_eq!(
            parse_str(&["a", "--fast"]),
            Err(UsageError::UnknownOption("--fast".into()))
        );
        assert_eq!(
            parse_str(&["a", "--max-compressed"]),
            Err(UsageError::MissingValue("--max-compressed"))
        );
        assert!(matches!(
            parse_str(&["a", "--max-compressed", "-1"]),
            Err(UsageError::NotANumber { .. })
        ));
        assert!(matches!(
            parse_str(&["a", "--variant", "raw"]),
            Err(UsageError::BadVariant(_))
        ));
        assert_eq!(
            parse_str(&["a", "--json", "--markdown"]),
            Err(UsageError::TwoFormats)
        );
    }
}
