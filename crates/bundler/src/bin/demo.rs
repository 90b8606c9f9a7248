//! `demo [--json]`: the session-key story on the embedded devnet (see `devnet_bundler::demo`).

fn main() {
    let json = std::env::args().skip(1).any(|a| a == "--json");
    match devnet_bundler::demo::run() {
        Ok(report) => {
            print!(
                "{}",
                if json {
                    report.to_json()
                } else {
                    report.to_text()
                }
            );
            if !report.all_as_expected {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(2);
        }
    }
}
