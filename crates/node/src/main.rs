//! `sessionkey-node`: the local node in the foreground (Ctrl-C stops it).

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use devnet_node::{Node, NodeConfig, DEFAULT_PORT};

/// A local Ethereum JSON-RPC node with ERC-4337 bundler methods, over the embedded Stylus
/// devnet: EntryPoint v0.7 and the activated session-key module.
#[derive(Parser)]
#[command(name = "sessionkey-node", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Seal a block every SECONDS instead of one per transaction (automine).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    block_time: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = NodeConfig {
        host: args.host,
        port: args.port,
        block_time: args.block_time.map(Duration::from_secs),
        ..NodeConfig::default()
    };
    eprintln!("starting the devnet (EntryPoint v0.7, the session-key module, accounts)…");
    let node = match Node::start(config.clone()).await {
        Ok(node) => node,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&node, &config);
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("error: waiting for Ctrl-C: {error}");
    }
    eprintln!("stopping");
    node.stop().await;
    ExitCode::SUCCESS
}

fn print_banner(node: &Node, config: &NodeConfig) {
    let info = node.info();
    println!("JSON-RPC endpoint  {}", node.url());
    println!("chain id           {}", info.chain_id);
    match config.block_time {
        None => println!("mining             automine (a block per transaction)"),
        Some(t) => println!("mining             a block every {} s", t.as_secs()),
    }
    println!(
        "base fee           {} wei (the gas price every transaction pays)",
        config.base_fee
    );
    println!();
    println!("EntryPoint v0.7    {}", info.entry_point);
    println!("EntryPoint v0.8    {}", info.entry_point_v08);
    println!("session-key module {} (Stylus, activated)", info.module);
    println!(
        "demo account       {} (TestAccount7579, owner = dev account 1, module installed)",
        info.demo_account
    );
    println!("test token         {}", info.token);
    println!("counter            {}", info.counter);
    println!("bundler EOA        {}", info.bundler);
    println!();
    println!(
        "funded dev accounts ({} ETH each; public keys, never use them elsewhere):",
        devnet_node::accounts::DEV_BALANCE_ETH
    );
    for (i, account) in info.dev_accounts.iter().enumerate() {
        let label = if i == 0 {
            "nitro-devnode".to_string()
        } else {
            format!("dev {i}")
        };
        println!(
            "  {label:<13} {}  key {}",
            account.address,
            account.secret_hex()
        );
    }
    println!();
    println!("Ctrl-C stops the node.");
}
