// Starts the repository's local node (crates/node, `sessionkey-node`) on a free port for one test file and
// reads what it announces: endpoint, chain id, EntryPoint, module, token and the funded dev keys.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The node binary: $SESSIONKEY_NODE_BIN, else the one `cargo test --workspace` built. */
export function nodeBinary() {
  const bin = process.env.SESSIONKEY_NODE_BIN ?? join(REPO, 'target', 'debug', 'sessionkey-node');
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: build it with \`cargo build --locked -p devnet-node\` (scripts/test.sh does)`);
  }
  return bin;
}

/** The `sessionkey` CLI binary (the SDK's command line), built alongside. */
export function cliBinary() {
  const bin = process.env.SESSIONKEY_CLI_BIN ?? join(REPO, 'target', 'debug', 'sessionkey');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build it with \`cargo build --locked -p sessionkey-cli\``);
  return bin;
}

const STARTUP_MS = 120_000;

/** Spawns the node on 127.0.0.1 and an ephemeral port; resolves once the banner is complete. */
export function startNode() {
  const child = spawn(nodeBinary(), ['--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the node did not start within ${STARTUP_MS} ms:\n${out}\n${err}`));
    }, STARTUP_MS);
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the node exited (${code}) before starting:\n${out}\n${err}`));
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('Ctrl-C stops the node.')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const field = (label) => {
        const m = out.match(new RegExp(`^${label}\\s+(\\S+)`, 'm'));
        if (!m) throw new Error(`banner has no "${label}":\n${out}`);
        return m[1];
      };
      const keys = [...out.matchAll(/key (0x[0-9a-fA-F]{64})/g)].map((m) => m[1]);
      resolve({
        url: field('JSON-RPC endpoint'),
        chainId: Number(field('chain id')),
        entryPoints: { '0.7': field('EntryPoint v0.7'), '0.8': field('EntryPoint v0.8') },
        module: field('session-key module'),
        token: field('test token'),
        devKeys: keys,
        async stop() {
          if (child.exitCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGINT');
          const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timeout);
        },
      });
    });
  });
}
