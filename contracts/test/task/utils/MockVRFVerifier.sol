// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IVRFVerifier} from "../../../src/interfaces/IVRFVerifier.sol";

/// @notice Stand-in VRF for TaskManager tests until the real verifier and its fixtures land. A "proof" is
/// accepted when its bytes 1..33 equal keccak256(publicKey ‖ message) and the helper values are the ones
/// `helpers` derives, so a proof made for one key or one seed fails for any other, as with the real VRF.
/// Unlike a real VRF its last 48 bytes are free, which lets tests pick a sampled or an unsampled output.
contract MockVRFVerifier is IVRFVerifier {
    function verify(bytes calldata publicKey, bytes calldata proof, bytes calldata message)
        external
        pure
        returns (bool)
    {
        return _valid(publicKey, proof, message);
    }

    function fastVerify(
        bytes calldata publicKey,
        bytes calldata proof,
        bytes calldata message,
        uint256[2] calldata uPoint,
        uint256[4] calldata vComponents
    ) external pure returns (bool) {
        (uint256[2] memory u, uint256[4] memory v) = helpers(proof);
        return _valid(publicKey, proof, message) && u[0] == uPoint[0] && u[1] == uPoint[1] && v[0] == vComponents[0]
            && v[3] == vComponents[3];
    }

    function proofToHash(bytes calldata proof) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x03), proof));
    }

    function helpers(bytes calldata proof) public pure returns (uint256[2] memory u, uint256[4] memory v) {
        uint256 h = uint256(keccak256(proof));
        u = [h, h + 1];
        v = [h + 2, h + 3, h + 4, h + 5];
    }

    function _valid(bytes calldata publicKey, bytes calldata proof, bytes calldata message)
        private
        pure
        returns (bool)
    {
        if (proof.length != 81 || publicKey.length != 64 || proof[0] != 0x02) return false;
        return bytes32(proof[1:33]) == keccak256(abi.encodePacked(publicKey, message));
    }
}
