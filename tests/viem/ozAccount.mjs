// OpenZeppelin's AccountERC7579 (+ SignerECDSA) as a viem smart account, in two roles:
// - the owner: nonce key 0 names no validator, so the account checks the owner's ECDSA signature over the raw
//   userOpHash (no EIP-191 prefix);
// - a session key: the nonce key carries the module's address in its top 20 bytes (OpenZeppelin's
//   `_extractUserOpValidator`), and the module checks `signer ‖ r ‖ s ‖ v` over keccak256(userOpHash ‖ module).
import {
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  encodePacked,
  keccak256,
  parseAbi,
  parseAbiParameters,
  toHex,
} from 'viem';
import { entryPoint07Abi, entryPoint08Abi, getUserOperationHash, toSmartAccount } from 'viem/account-abstraction';

const accountAbi = parseAbi(['function execute(bytes32 mode, bytes executionCalldata) payable']);
const nonceAbi = parseAbi(['function getNonce(address sender, uint192 key) view returns (uint256)']);

// ERC-7579 execution modes: call type in the first byte (0x00 single, 0x01 batch), default exec type.
const MODE_SINGLE = toHex(0n, { size: 32 });
const MODE_BATCH = concat(['0x01', toHex(0n, { size: 31 })]);

/** `execute(mode, executionCalldata)` for `calls`, as ERC-7579 encodes them. */
export function encodeExecute(calls) {
  if (calls.length === 1) {
    const { to, value = 0n, data = '0x' } = calls[0];
    return encodeFunctionData({
      abi: accountAbi,
      functionName: 'execute',
      args: [MODE_SINGLE, encodePacked(['address', 'uint256', 'bytes'], [to, value, data])],
    });
  }
  const executions = calls.map(({ to, value = 0n, data = '0x' }) => ({ target: to, value, callData: data }));
  return encodeFunctionData({
    abi: accountAbi,
    functionName: 'execute',
    args: [MODE_BATCH, encodeAbiParameters(parseAbiParameters('(address target, uint256 value, bytes callData)[]'), [executions])],
  });
}

/** The 192-bit nonce key selecting `module` on an OpenZeppelin AccountERC7579 (module in the top 20 bytes). */
export function validatorNonceKey(module) {
  return BigInt(module) << 32n;
}

/**
 * A viem SmartAccount for the deployed OpenZeppelin account at `address`, bound to the EntryPoint at
 * `entryPointAddress` of `entryPointVersion` ('0.7' or '0.8': v0.8 hashes the op as EIP-712 typed data).
 * `role` is `{ kind: 'owner', signer }` or `{ kind: 'session', signer, module }`, `signer` a viem local account.
 */
export async function toOzAccount({ client, address, entryPointAddress, entryPointVersion, role }) {
  const key = role.kind === 'session' ? validatorNonceKey(role.module) : 0n;
  const abi = { '0.7': entryPoint07Abi, '0.8': entryPoint08Abi }[entryPointVersion];
  if (!abi) throw new Error(`EntryPoint version ${entryPointVersion} is not one the module is tested behind`);
  const entryPoint = { abi, address: entryPointAddress, version: entryPointVersion };
  return toSmartAccount({
    client,
    entryPoint,
    async getAddress() {
      return address;
    },
    async getFactoryArgs() {
      return { factory: undefined, factoryData: undefined };
    },
    async encodeCalls(calls) {
      return encodeExecute(calls);
    },
    // viem's default nonce key is a timestamp; the key here selects who validates.
    async getNonce() {
      return client.readContract({ address: entryPointAddress, abi: nonceAbi, functionName: 'getNonce', args: [address, key] });
    },
    async getStubSignature() {
      if (role.kind === 'session') {
        // Names the signer, so the module runs every check for the estimate; never recovers to it.
        return concat([role.signer.address, toHex(1n, { size: 32 }), toHex(1n, { size: 32 }), '0x1b']);
      }
      return concat([toHex(1n, { size: 32 }), toHex(1n, { size: 32 }), '0x1b']);
    },
    async signMessage() {
      throw new Error('not used by these tests');
    },
    async signTypedData() {
      throw new Error('not used by these tests');
    },
    async signUserOperation(userOperation) {
      const chainId = userOperation.chainId ?? client.chain.id;
      const hash = getUserOperationHash({
        chainId,
        entryPointAddress,
        entryPointVersion,
        userOperation: { ...userOperation, sender: address },
      });
      if (role.kind === 'owner') return role.signer.sign({ hash });
      const sig = await role.signer.sign({ hash: keccak256(concat([hash, role.module])) });
      return concat([role.signer.address, sig]);
    },
  });
}
