//! The `sessionkey` command: see `sessionkey --help`. The commands live in [`cli`]; everything
//! they compute comes from the `sessionkey-sdk` library.

mod cli;

fn main() {
    // Bad input is reported by the commands; a panic would be a bug. Report it on one line too.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("error: internal error{place}: {}", msg.replace('\n', " "));
    }));
    let code = cli::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
