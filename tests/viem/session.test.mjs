// The module through tools nobody here wrote, behind EntryPoint v0.7 and v0.8: viem deploys OpenZeppelin's AccountERC7579 and, through owner-signed
// userOps sent with viem's bundler client, installs the module with a session made by the SDK's CLI; permissionless'
// smart account client sends a session op; an op outside the permission is refused and its error decoded with the
// ABI from abi/; a revoke takes effect on the very next op. Against the local node (crates/node), started here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { createSmartAccountClient } from 'permissionless';
import {
  createPublicClient,
  createWalletClient,
  decodeErrorResult,
  defineChain,
  encodeFunctionData,
  http,
  parseAbi,
  parseEther,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createBundlerClient } from 'viem/account-abstraction';

import { cliBinary, REPO, startNode } from './node.mjs';
import { toOzAccount } from './ozAccount.mjs';

const TOKENS = 10n ** 18n;
const ATTACKER = '0x00000000000000000000000000000000000bad00';

const tokenAbi = parseAbi([
  'function mint(address to, uint256 amount) returns (bool)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'function approve(address spender, uint256 amount) returns (bool)',
  'function balanceOf(address who) view returns (uint256)',
]);
const moduleAbi = parseAbi([
  'function revokeSession(address signer)',
  'function isInitialized(address smartAccount) view returns (bool)',
]);

/** The module's errors, read from the committed interface (abi/ISessionKeyValidator.sol). */
function moduleErrorsAbi() {
  const source = readFileSync(join(REPO, 'abi', 'ISessionKeyValidator.sol'), 'utf8');
  const errors = [...source.matchAll(/^\s*(error \w+\([^)]*\));/gm)].map((m) => m[1]);
  assert.ok(errors.length >= 20, `only ${errors.length} errors found in the interface`);
  return parseAbi(errors);
}

function artifact(name) {
  return JSON.parse(readFileSync(join(REPO, 'target', 'fixtures', `${name}.json`), 'utf8'));
}

/** The revert data a bundler attached to a refusal, wherever viem put it. */
function revertData(error) {
  for (let e = error; e; e = e.cause) {
    const d = e.data;
    if (typeof d === 'string' && d.startsWith('0x')) return d;
    if (d && typeof d === 'object') {
      for (const k of ['revertData', 'data', 'reason']) if (typeof d[k] === 'string' && d[k].startsWith('0x')) return d[k];
    }
  }
  return undefined;
}

let node;
let tmp;
before(async () => {
  node = await startNode();
  tmp = mkdtempSync(join(tmpdir(), 'sessionkey-viem-'));
});
after(async () => {
  await node?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

for (const version of ['0.7', '0.8']) {
  test(`behind EntryPoint v${version}: grant with viem, use with viem and permissionless, refuse, revoke`, { timeout: 240_000 }, () =>
    story(version),
  );
}

async function story(version) {
  const entryPoint = node.entryPoints[version];
  // A fresh recipient per story: both stories share one node.
  const ALICE = privateKeyToAccount(generatePrivateKey()).address;
  const chain = defineChain({
    id: node.chainId,
    name: 'sessionkey devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const transport = http(node.url);
  const publicClient = createPublicClient({ chain, transport });
  assert.equal(await publicClient.getChainId(), 412346);

  // The nitro-devnode dev key the node funds; it deploys the account and the token supply.
  const deployer = privateKeyToAccount(node.devKeys[0]);
  const wallet = createWalletClient({ account: deployer, chain, transport });
  const owner = privateKeyToAccount(generatePrivateKey());
  const sessionKey = privateKeyToAccount(generatePrivateKey());

  const oz = artifact('OzAccount7579');
  const deployHash = await wallet.deployContract({ abi: oz.abi, bytecode: oz.bytecode, args: [entryPoint, owner.address] });
  const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  assert.equal(deployed.status, 'success');
  const accountAddress = deployed.contractAddress;
  await publicClient.waitForTransactionReceipt({
    hash: await wallet.sendTransaction({ to: accountAddress, value: parseEther('1') }),
  });
  await publicClient.waitForTransactionReceipt({
    hash: await wallet.writeContract({ address: node.token, abi: tokenAbi, functionName: 'mint', args: [accountAddress, 1000n * TOKENS] }),
  });

  // The session, as a permission file the SDK's CLI turns into installModule calldata.
  const permission = join(tmp, 'permission.json');
  writeFileSync(
    permission,
    JSON.stringify({
      signer: sessionKey.address,
      gas_budget: '1 ether',
      calls: [{ target: node.token, function: 'transfer(address to, uint256 amount)', rules: [{ param: 'amount', op: '<=', value: '50e18' }] }],
      token_caps: [{ token: node.token, limit: '150e18' }],
    }),
  );
  const grant = JSON.parse(
    execFileSync(cliBinary(), ['grant', '--permission', permission, '--module', node.module, '--install', '--json'], { encoding: 'utf8' }),
  );

  // The owner installs the module: OpenZeppelin's account takes it only from the EntryPoint or itself.
  const ownerAccount = await toOzAccount({
    client: publicClient,
    address: accountAddress,
    entryPointAddress: entryPoint,
    entryPointVersion: version,
    role: { kind: 'owner', signer: owner },
  });
  const bundler = createBundlerClient({ client: publicClient, transport });
  assert.deepEqual(
    (await bundler.getSupportedEntryPoints()).map((a) => a.toLowerCase()),
    [node.entryPoints['0.7'].toLowerCase(), node.entryPoints['0.8'].toLowerCase()],
  );
  const installHash = await bundler.sendUserOperation({
    account: ownerAccount,
    calls: [{ to: accountAddress, data: grant.accountCalldata }],
  });
  const installed = await bundler.waitForUserOperationReceipt({ hash: installHash, timeout: 60_000 });
  assert.equal(installed.success, true);
  assert.equal(await publicClient.readContract({ address: node.module, abi: moduleAbi, functionName: 'isInitialized', args: [accountAddress] }), true);

  // The session key, through permissionless' smart account client.
  const sessionAccount = await toOzAccount({
    client: publicClient,
    address: accountAddress,
    entryPointAddress: entryPoint,
    entryPointVersion: version,
    role: { kind: 'session', signer: sessionKey, module: node.module },
  });
  const sessionClient = createSmartAccountClient({ account: sessionAccount, chain, bundlerTransport: transport });
  const transfer = (to, amount) => ({
    to: node.token,
    data: encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [to, amount] }),
  });
  // First with viem's own bundler client (estimate, send, wait), then with permissionless'.
  const estimate = await bundler.estimateUserOperationGas({ account: sessionAccount, calls: [transfer(ALICE, 20n * TOKENS)] });
  assert.ok(estimate.verificationGasLimit > 30_000n, `validation gas estimated: ${estimate.verificationGasLimit}`);
  const viemHash = await bundler.sendUserOperation({ account: sessionAccount, calls: [transfer(ALICE, 20n * TOKENS)] });
  assert.equal((await bundler.waitForUserOperationReceipt({ hash: viemHash, timeout: 60_000 })).success, true);
  const opHash = await sessionClient.sendUserOperation({ calls: [transfer(ALICE, 10n * TOKENS)] });
  const receipt = await sessionClient.waitForUserOperationReceipt({ hash: opHash, timeout: 60_000 });
  assert.equal(receipt.success, true);
  assert.equal(await publicClient.readContract({ address: node.token, abi: tokenAbi, functionName: 'balanceOf', args: [ALICE] }), 30n * TOKENS);

  // Outside the permission: over the per-call rule (amount <= 50), then a call the session may not make.
  const errors = moduleErrorsAbi();
  const balanceBefore = await publicClient.readContract({ address: node.token, abi: tokenAbi, functionName: 'balanceOf', args: [accountAddress] });
  for (const [calls, expected] of [
    [[transfer(ALICE, 51n * TOKENS)], { errorName: 'RuleFailed', args: [0n, 0n] }],
    [
      [{ to: node.token, data: encodeFunctionData({ abi: tokenAbi, functionName: 'approve', args: [ATTACKER, 1n] }) }],
      { errorName: 'CallNotAllowed' },
    ],
  ]) {
    await assert.rejects(sessionClient.sendUserOperation({ calls }), (error) => {
      const data = revertData(error);
      assert.ok(data, `no revert data in ${error}`);
      const decoded = decodeErrorResult({ abi: errors, data });
      assert.equal(decoded.errorName, expected.errorName);
      if (expected.args) assert.deepEqual(decoded.args, expected.args);
      return true;
    });
  }
  assert.equal(
    await publicClient.readContract({ address: node.token, abi: tokenAbi, functionName: 'balanceOf', args: [accountAddress] }),
    balanceBefore,
    'a refused op moved nothing',
  );

  // The owner revokes; the very next session op is refused with SessionNotActive.
  const revokeHash = await bundler.sendUserOperation({
    account: ownerAccount,
    calls: [{ to: node.module, data: encodeFunctionData({ abi: moduleAbi, functionName: 'revokeSession', args: [sessionKey.address] }) }],
  });
  assert.equal((await bundler.waitForUserOperationReceipt({ hash: revokeHash, timeout: 60_000 })).success, true);
  await assert.rejects(sessionClient.sendUserOperation({ calls: [transfer(ALICE, 1n)] }), (error) => {
    const decoded = decodeErrorResult({ abi: errors, data: revertData(error) });
    assert.equal(decoded.errorName, 'SessionNotActive');
    assert.deepEqual(decoded.args.map((a) => a.toLowerCase()), [accountAddress.toLowerCase(), sessionKey.address.toLowerCase()]);
    return true;
  });
  assert.equal(await publicClient.readContract({ address: node.token, abi: tokenAbi, functionName: 'balanceOf', args: [ALICE] }), 30n * TOKENS);
}
