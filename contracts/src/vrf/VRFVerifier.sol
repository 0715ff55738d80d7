// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IVRFVerifier} from "../interfaces/IVRFVerifier.sol";
import {ECVRF} from "./ECVRF.sol";

/// @title VRFVerifier
/// @notice Stateless ECVRF-SECP256K1-SHA256-TAI verifier. A wrong-length public key or proof reverts with
/// `ECVRF.VRFInvalidPublicKeyLength` / `ECVRF.VRFInvalidProofLength`; any other invalid input returns false.
/// @dev Off-chain counterpart: packages/protocol/src/vrf (prove, verify, getFastVerifyParams).
contract VRFVerifier is IVRFVerifier {
    /// @inheritdoc IVRFVerifier
    function verify(bytes calldata publicKey, bytes calldata proof, bytes calldata message)
        external
        pure
        returns (bool)
    {
        return ECVRF.verify(publicKey, proof, message);
    }

    /// @inheritdoc IVRFVerifier
    function fastVerify(
        bytes calldata publicKey,
        bytes calldata proof,
        bytes calldata message,
        uint256[2] calldata uPoint,
        uint256[4] calldata vComponents
    ) external pure returns (bool) {
        return ECVRF.fastVerify(publicKey, proof, message, uPoint, vComponents);
    }

    /// @inheritdoc IVRFVerifier
    function proofToHash(bytes calldata proof) external pure returns (bytes32 beta) {
        return ECVRF.proofToHash(proof);
    }
}
