//! The `sessionkey` command line.
//!
//! ```text
//! sessionkey keygen     [--kind secp256k1|p256|passkey [--origin URL]] [--out FILE [--keystore]]
//!                                                                  new session key
//! sessionkey grant      --permission FILE --module ADDR [--install] calldata registering a session
//! sessionkey grant      --erc7715 REQUEST.json --module ADDR [--gas-price WEI] [--gas-budget WEI]
//!                                                                  the same, from an ERC-7715 request
//! sessionkey to-erc7715 (--permission FILE | --record HEX) --chain-id N [--gas-price WEI]
//!                                                                  the ERC-7715 request for a session
//! sessionkey revoke     --module ADDR --signer ADDR                 calldata revoking one session
//! sessionkey revoke-all --module ADDR                               calldata revoking every session
//! sessionkey sign       --key FILE --module ADDR --account ADDR --chain-id N (--op FILE | --to ADDR …)
//! sessionkey sign-typed-data --key FILE --typed-data FILE --program ADDR --account ADDR --chain-id N
//!                       --account-name NAME --account-version V [--module ADDR] [--permission FILE]
//!                                                                  a session's ERC-1271 signature
//! sessionkey hash       --user-op FILE --chain-id N [--entry-point v0.8]
//! sessionkey status     --rpc URL --module ADDR --account ADDR --signer ADDR [--token ADDR]…
//! sessionkey estimate   --rpc URL [--bundler URL] --key FILE --module ADDR --account ADDR (--op FILE | --to ADDR …)
//! sessionkey send       --rpc URL [--bundler URL] --key FILE --module ADDR --account ADDR (--op FILE | --to ADDR …)
//! sessionkey explain    --user-op FILE --permission FILE --module ADDR --chain-id N [--usage FILE] [--at T]
//! sessionkey inspect    DATA [--function SIG]…
//! sessionkey demo       (the product story on the embedded devnet)
//! sessionkey deploy-code --rpc URL --code FILE --private-key-path FILE [--expect-code-hash HASH] [--no-activate]
//!                                                                  deploy Stylus code verbatim, activate it
//! ```
//!
//! Every command takes `--json` for machine-readable output. Exit codes: [`EXIT_OK`],
//! [`EXIT_ERROR`] (bad input, with a one-line `error: <field>: <problem>` on stderr),
//! [`EXIT_USAGE`] (unknown flag or missing argument), [`EXIT_OP_FAILS`] (`explain`: the op would
//! be rejected).

mod args;
mod chain;
mod deploy;
mod erc7715;
mod explain;
mod grant;
mod inspect;
mod keys;
mod sign;
mod typed_data;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

use args::{Cli, Command};

/// Success.
pub const EXIT_OK: i32 = 0;
/// Bad input or a failed operation (one line on stderr).
pub const EXIT_ERROR: i32 = 1;
/// Command-line usage error.
pub const EXIT_USAGE: i32 = 2;
/// `explain`: the op would not pass validation; `send`: the op was included but its execution
/// reverted.
pub const EXIT_OP_FAILS: i32 = 3;

/// A command's failure: one line naming the field or file and the problem.
#[derive(Debug)]
pub struct CliError(String);

impl CliError {
    fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&one_line(&self.0))
    }
}

/// `field: problem` for any error.
fn at<E: std::fmt::Display>(field: &str) -> impl FnOnce(E) -> CliError + '_ {
    move |e| CliError::new(format!("{field}: {e}"))
}

/// What a command prints.
struct Output {
    text: String,
    json: serde_json::Value,
    exit: i32,
}

impl Output {
    fn ok(text: String, json: serde_json::Value) -> Self {
        Self {
            text,
            json,
            exit: EXIT_OK,
        }
    }
}

/// The story on the embedded devnet (`devnet_bundler::demo`): exits 1 if any step did not turn
/// out as the permission says.
fn demo() -> Result<Output, CliError> {
    let report = devnet_bundler::demo::run().map_err(|e| CliError::new(format!("demo: {e}")))?;
    let json = serde_json::from_str(&report.to_json()).map_err(at("demo"))?;
    let exit = if report.all_as_expected {
        EXIT_OK
    } else {
        EXIT_ERROR
    };
    Ok(Output {
        text: report.to_text(),
        json,
        exit,
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs the CLI on `args` (program name first), writing to `out` and `err`; returns the exit
/// code. Never panics on bad input.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = write!(out, "{}", e.render());
                    EXIT_OK
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = write!(err, "{}", e.render());
                    EXIT_USAGE
                }
                _ => {
                    let text = e.render().to_string();
                    let first = text.split("\n\n").next().unwrap_or(&text);
                    let line = one_line(first);
                    let line = line.strip_prefix("error: ").unwrap_or(&line);
                    let _ = writeln!(err, "error: {line}");
                    EXIT_USAGE
                }
            };
        }
    };
    let json = cli.json;
    let result = match cli.command {
        Command::Keygen(a) => keys::keygen(a),
        Command::Grant(a) => grant::grant(*a),
        Command::ToErc7715(a) => erc7715::to_erc7715(a),
        Command::Revoke(a) => grant::revoke(a),
        Command::RevokeAll(a) => grant::revoke_all(a),
        Command::Sign(a) => sign::sign(*a),
        Command::SignTypedData(a) => typed_data::sign_typed_data_cmd(*a),
        Command::Hash(a) => sign::hash(a),
        Command::Status(a) => chain::status(a),
        Command::Estimate(a) => chain::estimate(*a),
        Command::Send(a) => chain::send(*a),
        Command::Explain(a) => explain::explain(a),
        Command::Inspect(a) => inspect::inspect(a),
        Command::Demo => demo(),
        Command::DeployCode(a) => deploy::deploy_code(a),
    };
    match result {
        Ok(o) => {
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&o.json).unwrap_or_default()
                );
            } else {
                let _ = write!(out, "{}", o.text);
                if !o.text.ends_with('\n') {
                    let _ = writeln!(out);
                }
            }
            o.exit
        }
        Err(e) => {
            if json {
                let _ = writeln!(out, "{}", serde_json::json!({ "error": e.to_string() }));
            }
            let _ = writeln!(err, "error: {e}");
            EXIT_ERROR
        }
    }
}

/// Shared helpers of the commands.
mod common {
    use std::io::Read;
    use std::path::Path;

    use super::args::{ChainArgs, GasArgs, SessionArgs, SignerArgs};
    use super::{at, CliError};
    use sessionkey_policy::signer::SignerKind;
    use sessionkey_sdk::function_book::FunctionBook;
    use sessionkey_sdk::hash::EntryPoint;
    use sessionkey_sdk::key::{PublicSigner, SessionSigner};
    use sessionkey_sdk::permission_file::GivenSigner;
    use sessionkey_sdk::signature_abi::FunctionSignature;
    use sessionkey_sdk::user_op::GasLimits;

    /// Environment variable holding a keystore password.
    pub const PASSWORD_ENV: &str = "SESSIONKEY_PASSWORD";

    pub fn read_text(path: &Path, field: &str) -> Result<String, CliError> {
        if path.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(at(field))?;
            return Ok(s);
        }
        std::fs::read_to_string(path)
            .map_err(|e| CliError::new(format!("{field}: cannot read {}: {e}", path.display())))
    }

    pub fn password(file: Option<&Path>) -> Result<Option<String>, CliError> {
        if let Some(f) = file {
            let text = read_text(f, "--password-file")?;
            return Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()));
        }
        Ok(std::env::var(PASSWORD_ENV).ok())
    }

    /// A key file of any kind (the file says which).
    pub fn load_key(path: &Path, password_file: Option<&Path>) -> Result<SessionSigner, CliError> {
        let pw = password(password_file)?;
        SessionSigner::load(path, pw.as_deref()).map_err(|e| CliError::new(e.to_string()))
    }

    impl SessionArgs {
        /// The session key of `--key` (and `--password-file`).
        pub fn load_key(&self) -> Result<SessionSigner, CliError> {
            load_key(&self.key, self.password_file.as_deref()).map_err(at("--key"))
        }
    }

    /// Who the session is for: `--session-key`'s key, a `--p256-public-key` or
    /// `--passkey-public-key` (checked against `--signer` when both are given), or `--signer`'s
    /// address alone.
    pub fn signer(a: &SignerArgs) -> Result<Option<GivenSigner>, CliError> {
        let key = match (&a.session_key, a.p256_public_key, a.passkey_public_key) {
            (Some(f), _, _) => Some(
                load_key(f, a.password_file.as_deref())
                    .map_err(at("--session-key"))?
                    .public(),
            ),
            (None, Some(k), _) => PublicSigner::p256(SignerKind::P256, k),
            (None, None, Some(k)) => PublicSigner::p256(SignerKind::WebAuthn, k),
            (None, None, None) => None,
        };
        match (key, a.signer) {
            (Some(k), Some(s)) if k.address != s => Err(CliError::new(format!(
                "--signer: {s} is not the public key's signer address {}",
                k.address
            ))),
            (Some(k), _) => Ok(Some(GivenSigner::Key(k))),
            (None, Some(s)) => Ok(Some(GivenSigner::Address(s))),
            (None, None) => Ok(None),
        }
    }

    pub fn entry_point(c: &ChainArgs) -> EntryPoint {
        let mut ep = EntryPoint::canonical(c.entry_point);
        if let Some(a) = c.entry_point_address {
            ep.address = a;
        }
        ep
    }

    pub fn gas_limits(g: &GasArgs) -> GasLimits {
        let d = GasLimits::default();
        GasLimits {
            verification_gas_limit: g.verification_gas_limit.unwrap_or(d.verification_gas_limit),
            call_gas_limit: g.call_gas_limit.unwrap_or(d.call_gas_limit),
            pre_verification_gas: g.pre_verification_gas.unwrap_or(d.pre_verification_gas),
            max_fee_per_gas: g.max_fee_per_gas.unwrap_or(d.max_fee_per_gas),
            max_priority_fee_per_gas: g
                .max_priority_fee_per_gas
                .unwrap_or(d.max_priority_fee_per_gas),
        }
    }

    pub fn book(functions: &[String]) -> Result<FunctionBook, CliError> {
        let mut book = FunctionBook::standard();
        for f in functions {
            book.insert(FunctionSignature::parse(f).map_err(at("--function"))?);
        }
        Ok(book)
    }
}
