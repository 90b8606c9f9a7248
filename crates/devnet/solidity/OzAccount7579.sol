// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {AbstractSigner} from "@openzeppelin/contracts/utils/cryptography/signers/AbstractSigner.sol";
import {SignerECDSA} from "@openzeppelin/contracts/utils/cryptography/signers/SignerECDSA.sol";
import {ERC7739} from "@openzeppelin/contracts/utils/cryptography/signers/draft-ERC7739.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title OpenZeppelin's ERC-7579 account, as a wallet would deploy it
/// @notice Everything but a few lines is OpenZeppelin Contracts 5.7.0 (`AccountERC7579` + `SignerECDSA` + `ERC7739`),
///         compiled from the pinned npm package. This wrapper only:
///         - takes the EntryPoint in the constructor (5.7 hard-codes v0.9; the devnet serves v0.7 and v0.8);
///         - lets the ECDSA owner validate ops whose nonce key names no installed validator (AccountERC7579's own
///           `_rawSignatureValidation` refuses everything). The owner signs the raw userOpHash, no EIP-191 prefix;
///         - is constructed with its owner (no proxy or initializer: the devnet deploys it directly);
///         - answers ERC-1271 for its owner too, as a wallet's account does: a signature whose first 20 bytes name an
///           installed validator goes to that validator (`AccountERC7579`); anything else is checked as the owner's
///           ERC-7739 signature (nested PersonalSign or TypedDataSign over the domain ("OzAccount7579", "1")).
///           `AccountERC7579.isValidSignature` alone answers 0xffffffff unless a validator accepts.
///         Validators are selected by the top 20 bytes of the userOp nonce (`_extractUserOpValidator`), and admin
///         calls (`installModule`, `execute`, ...) come only from the EntryPoint or the account itself.
contract OzAccount7579 is AccountERC7579, ERC7739, SignerECDSA {
    IEntryPoint private immutable _ENTRY_POINT;

    constructor(IEntryPoint entryPoint_, address owner_) EIP712("OzAccount7579", "1") SignerECDSA(owner_) {
        _ENTRY_POINT = entryPoint_;
    }

    function entryPoint() public view override returns (IEntryPoint) {
        return _ENTRY_POINT;
    }

    function _rawSignatureValidation(
        bytes32 hash,
        bytes calldata signature
    ) internal view override(AbstractSigner, AccountERC7579, SignerECDSA) returns (bool) {
        return SignerECDSA._rawSignatureValidation(hash, signature);
    }

    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) public view override(AccountERC7579, ERC7739) returns (bytes4) {
        bytes4 viaValidator = AccountERC7579.isValidSignature(hash, signature);
        return viaValidator == IERC1271.isValidSignature.selector ? viaValidator : ERC7739.isValidSignature(hash, signature);
    }
}
