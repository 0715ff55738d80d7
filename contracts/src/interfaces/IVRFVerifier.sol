// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IVRFVerifier
/// @notice ECVRF-SECP256K1-SHA256-TAI verification (draft-irtf-cfrg-vrf suite as used by the reference
/// network). Proofs are 81 bytes: gamma (33-byte compressed point) ‖ c (16 bytes) ‖ s (32 bytes).
/// Public keys are 64 bytes (x ‖ y, uncompressed without prefix), so that
/// `address(uint160(uint256(keccak256(publicKey))))` is the key's Ethereum address.
interface IVRFVerifier {
    /// @notice Full verification in Solidity (expensive; for reference and tests).
    function verify(bytes calldata publicKey, bytes calldata proof, bytes calldata message) external pure returns (bool);

    /// @notice Cheap verification that reuses `ecrecover` for the scalar multiplications, given helper
    /// values computed off-chain from the same inputs (see packages/protocol/src/vrf).
    function fastVerify(
        bytes calldata publicKey,
        bytes calldata proof,
        bytes calldata message,
        uint256[2] calldata uPoint,
        uint256[4] calldata vComponents
    ) external pure returns (bool);

    /// @notice The VRF output (beta) of a proof. Only meaningful for a proof that verifies.
    function proofToHash(bytes calldata proof) external pure returns (bytes32 beta);
}
