// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Secp256k1} from "./Secp256k1.sol";

/// @title ECVRF
/// @notice Verification of ECVRF-SECP256K1-SHA256-TAI proofs (draft-irtf-cfrg-vrf, suite string 0xFE,
/// try-and-increment hash-to-curve, 16-byte challenge), compatible with Witnet vrf-rs / vrf-solidity and
/// VeChain go-ecvrf. Proof = gamma (33-byte compressed point) ‖ c (16 bytes) ‖ s (32 bytes).
/// @dev Everything is `pure`. Malformed lengths revert with a custom error (a caller bug); every other
/// way a proof can be wrong makes the check return false. See docs/vrf.md.
library ECVRF {
    uint8 internal constant SUITE = 0xFE;
    uint256 internal constant PROOF_LENGTH = 81;
    uint256 internal constant PUBLIC_KEY_LENGTH = 64;

    /// @notice The proof is not 81 bytes.
    error VRFInvalidProofLength(uint256 length);
    /// @notice The public key is not 64 bytes (x ‖ y).
    error VRFInvalidPublicKeyLength(uint256 length);

    /// @dev A decoded proof: gamma as an affine point, the challenge c and the response s.
    struct Proof {
        uint256 gammaX;
        uint256 gammaY;
        uint256 c;
        uint256 s;
    }

    /// @notice Reads a 64-byte public key (x ‖ y). Reverts on a wrong length; `ok` is false off the curve.
    function decodePublicKey(bytes calldata publicKey) internal pure returns (bool ok, uint256 x, uint256 y) {
        if (publicKey.length != PUBLIC_KEY_LENGTH) revert VRFInvalidPublicKeyLength(publicKey.length);
        x = uint256(bytes32(publicKey[0:32]));
        y = uint256(bytes32(publicKey[32:64]));
        ok = Secp256k1.isOnCurve(x, y);
    }

    /// @notice ECVRF_decode_proof. Reverts on a wrong length; `ok` is false when gamma is not a compressed
    /// curve point, c is 0, or s is 0 or not below n (an honest prover hits c = 0 or s = 0 with
    /// probability about 2⁻¹²⁸, and the ecrecover path cannot take them).
    function decodeProof(bytes calldata proof) internal pure returns (bool ok, Proof memory decoded) {
        if (proof.length != PROOF_LENGTH) revert VRFInvalidProofLength(proof.length);
        uint8 prefix = uint8(proof[0]);
        if (prefix != 0x02 && prefix != 0x03) return (false, decoded);
        decoded.gammaX = uint256(bytes32(proof[1:33]));
        (bool onCurve, uint256 gammaY) = Secp256k1.decompress(decoded.gammaX, prefix == 0x03);
        if (!onCurve) return (false, decoded);
        decoded.gammaY = gammaY;
        decoded.c = uint256(uint128(bytes16(proof[33:49])));
        decoded.s = uint256(bytes32(proof[49:81]));
        if (decoded.c == 0 || decoded.s == 0 || decoded.s >= Secp256k1.N) return (false, decoded);
        return (true, decoded);
    }

    /// @notice ECVRF_hash_to_curve_try_and_increment: SHA-256(suite ‖ 0x01 ‖ compress(Y) ‖ alpha ‖ ctr)
    /// read as the x of a point with even y, for ctr = 0, 1, … until one is on the curve (about two tries
    /// on average; at most 256 by the draft). `ok` is false if none of the 256 is.
    function hashToCurve(uint256 publicKeyX, uint256 publicKeyY, bytes calldata alpha)
        internal
        pure
        returns (bool ok, uint256 hX, uint256 hY)
    {
        bytes memory input =
            abi.encodePacked(SUITE, uint8(0x01), Secp256k1.compress(publicKeyX, publicKeyY), alpha, uint8(0));
        uint256 last = input.length - 1;
        for (uint256 ctr = 0; ctr < 256; ++ctr) {
            input[last] = bytes1(uint8(ctr));
            hX = uint256(sha256(input));
            (ok, hY) = Secp256k1.decompress(hX, false);
            if (ok) return (true, hX, hY);
        }
        return (false, 0, 0);
    }

    /// @notice ECVRF_hash_points: the first 16 bytes of
    /// SHA-256(suite ‖ 0x02 ‖ compress(H) ‖ compress(Gamma) ‖ compress(U) ‖ compress(V)).
    function hashPoints(uint256[2] memory h, uint256[2] memory gamma, uint256[2] memory u, uint256[2] memory v)
        internal
        pure
        returns (uint256)
    {
        bytes32 digest = sha256(
            abi.encodePacked(
                SUITE,
                uint8(0x02),
                Secp256k1.compress(h[0], h[1]),
                Secp256k1.compress(gamma[0], gamma[1]),
                Secp256k1.compress(u[0], u[1]),
                Secp256k1.compress(v[0], v[1])
            )
        );
        return uint256(digest) >> 128;
    }

    /// @notice ECVRF_proof_to_hash: beta = SHA-256(suite ‖ 0x03 ‖ gamma) (cofactor 1, and gamma is already
    /// compressed in the proof). Checks only the length and the prefix; meaningful for a verified proof.
    function proofToHash(bytes calldata proof) internal pure returns (bytes32) {
        if (proof.length != PROOF_LENGTH) revert VRFInvalidProofLength(proof.length);
        return sha256(abi.encodePacked(SUITE, uint8(0x03), proof[0:33]));
    }

    /// @notice Full verification with Solidity scalar multiplication (~1M gas; the reference for fastVerify).
    function verify(bytes calldata publicKey, bytes calldata proof, bytes calldata alpha) internal pure returns (bool) {
        (bool ok, uint256[2] memory y, Proof memory pi, uint256[2] memory h) = _prepare(publicKey, proof, alpha);
        if (!ok) return false;
        uint256[2] memory u;
        uint256[2] memory v;
        // U = s·B − c·Y and V = s·H − c·Gamma, subtracting by adding the negated point.
        (ok, u) = Secp256k1.mulAdd(pi.s, [Secp256k1.GX, Secp256k1.GY], pi.c, [y[0], Secp256k1.P - y[1]]);
        if (!ok) return false;
        (ok, v) = Secp256k1.mulAdd(pi.s, h, pi.c, [pi.gammaX, Secp256k1.P - pi.gammaY]);
        if (!ok) return false;
        return hashPoints(h, [pi.gammaX, pi.gammaY], u, v) == pi.c;
    }

    /// @notice Verification that lets ecrecover do the scalar multiplications. The caller supplies
    /// U = s·B − c·Y (`uPoint`) and s·H, c·Gamma (`vComponents`); each is re-checked here against the
    /// proof through ecrecover and never trusted. V = s·H − c·Gamma is one affine subtraction.
    function fastVerify(
        bytes calldata publicKey,
        bytes calldata proof,
        bytes calldata alpha,
        uint256[2] calldata uPoint,
        uint256[4] calldata vComponents
    ) internal pure returns (bool) {
        (bool ok, uint256[2] memory y, Proof memory pi, uint256[2] memory h) = _prepare(publicKey, proof, alpha);
        if (!ok || !_helpersMatch(y, pi, h, uPoint, vComponents)) return false;
        uint256[2] memory v;
        (ok, v[0], v[1]) = Secp256k1.subAffine(vComponents[0], vComponents[1], vComponents[2], vComponents[3]);
        if (!ok) return false;
        return hashPoints(h, [pi.gammaX, pi.gammaY], [uPoint[0], uPoint[1]], v) == pi.c;
    }

    /// @dev Decodes the key and the proof and hashes alpha to H; `ok` is false if any step fails.
    function _prepare(bytes calldata publicKey, bytes calldata proof, bytes calldata alpha)
        private
        pure
        returns (bool ok, uint256[2] memory y, Proof memory pi, uint256[2] memory h)
    {
        bool proofOk;
        (ok, y[0], y[1]) = decodePublicKey(publicKey);
        (proofOk, pi) = decodeProof(proof);
        if (!ok || !proofOk) return (false, y, pi, h);
        (ok, h[0], h[1]) = hashToCurve(y[0], y[1], alpha);
    }

    /// @dev Whether the helper points are on the curve and are, per ecrecover, U = s·B − c·Y, s·H and
    /// c·Gamma (equality up to a keccak-160 second preimage of their addresses).
    function _helpersMatch(
        uint256[2] memory y,
        Proof memory pi,
        uint256[2] memory h,
        uint256[2] calldata uPoint,
        uint256[4] calldata vComponents
    ) private pure returns (bool) {
        if (
            !Secp256k1.isOnCurve(uPoint[0], uPoint[1]) || !Secp256k1.isOnCurve(vComponents[0], vComponents[1])
                || !Secp256k1.isOnCurve(vComponents[2], vComponents[3])
        ) return false;
        return Secp256k1.ecrecoverMulSub(pi.s, pi.c, y[0], y[1], Secp256k1.toAddress(uPoint[0], uPoint[1]))
            && Secp256k1.ecrecoverMul(pi.s, h[0], h[1], Secp256k1.toAddress(vComponents[0], vComponents[1]))
            && Secp256k1.ecrecoverMul(pi.c, pi.gammaX, pi.gammaY, Secp256k1.toAddress(vComponents[2], vComponents[3]));
    }
}
