// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {VRFVerifier} from "../../src/vrf/VRFVerifier.sol";
import {ECVRF} from "../../src/vrf/ECVRF.sol";
import {Secp256k1} from "../../src/vrf/Secp256k1.sol";

/// @notice Checks the Solidity verifier against the vectors the TypeScript implementation produced
/// (test/vrf/fixtures/vrf-vectors.json, written by packages/protocol/src/vrf/generateFixtures.ts from the
/// published Witnet / VeChain vectors and from fixed seeds), and that tampering of any kind is rejected.
contract VRFVerifierTest is Test {
    string internal constant FIXTURE = "test/vrf/fixtures/vrf-vectors.json";

    struct Vector {
        bytes publicKey;
        address addr;
        bytes alpha;
        bytes proof;
        bytes32 beta;
        uint256[2] uPoint;
        uint256[4] vComponents;
    }

    VRFVerifier internal verifier;

    function setUp() public {
        verifier = new VRFVerifier();
    }

    /// @dev Read per use rather than kept in storage: 60 kB of storage writes would dominate the tests.
    function _json() internal view returns (string memory) {
        try vm.readFile(FIXTURE) returns (string memory json) {
            return json;
        } catch {
            fail(
                string.concat(
                    "cannot read ",
                    FIXTURE,
                    ": contracts/foundry.toml needs { access = \"read\", path = \"./test/vrf/fixtures\" } in fs_permissions"
                )
            );
        }
    }

    function _vector(string memory section, uint256 i) internal view returns (Vector memory v) {
        string memory json = _json();
        string memory base = string.concat(".", section, "[", vm.toString(i), "]");
        v.publicKey = vm.parseJsonBytes(json, string.concat(base, ".publicKey"));
        v.addr = address(uint160(vm.parseJsonUint(json, string.concat(base, ".address"))));
        v.alpha = vm.parseJsonBytes(json, string.concat(base, ".alpha"));
        v.proof = vm.parseJsonBytes(json, string.concat(base, ".proof"));
        v.beta = bytes32(vm.parseJsonBytes(json, string.concat(base, ".beta")));
        for (uint256 k = 0; k < 2; ++k) {
            v.uPoint[k] = vm.parseJsonUint(json, string.concat(base, ".uPoint[", vm.toString(k), "]"));
        }
        for (uint256 k = 0; k < 4; ++k) {
            v.vComponents[k] = vm.parseJsonUint(json, string.concat(base, ".vComponents[", vm.toString(k), "]"));
        }
    }

    function _checkAll(string memory section) internal view {
        uint256 count = vm.parseJsonUint(_json(), string.concat(".", section, "Count"));
        assertGt(count, 0);
        for (uint256 i = 0; i < count; ++i) {
            Vector memory v = _vector(section, i);
            assertEq(address(uint160(uint256(keccak256(v.publicKey)))), v.addr);
            assertTrue(verifier.verify(v.publicKey, v.proof, v.alpha), string.concat(section, ": verify"));
            assertTrue(
                verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, v.vComponents),
                string.concat(section, ": fastVerify")
            );
            assertEq(verifier.proofToHash(v.proof), v.beta);
        }
    }

    // ---------------------------------------------------------------- agreement with TypeScript

    function test_verify_publishedVectors() public view {
        _checkAll("published");
    }

    function test_verify_randomVectorsAgreeWithTypeScript() public view {
        _checkAll("random");
    }

    /// @dev The helper values published with Witnet's vrf-solidity (test/data.json, fastVerify.valid),
    /// inline so that they are checked independently of our own helper computation.
    function test_fastVerify_witnetPublishedHelpers() public view {
        bytes memory publicKey =
            hex"2c8c31fc9f990c6b55e3865a184a4ce50e09481f2eaeb3e60ec1cea13a6ae64564b95e4fdb6948c0386e189b006a29f686769b011704275e4459822dc3328085";
        bytes memory proof =
            hex"031f4dbca087a1972d04a07a779b7df1caa99e0f5db2aa21f3aecc4f9e10e85d0814faa89697b482daa377fb6b4a8b0191a65d34a6d90a8a2461e5db9205d4cf0bb4b2c31b5ef6997a585a9f1a72517b6f";
        uint256[2] memory uPoint = [
            0xc71cd5625cd61d65bd9f6b84292eae013fc50ea99a9a090c730c3a4c24c32cc7,
            0xebe10326af2accc2f3a4eb8658d90e572061aa766d04e31f102b26e7065c9f26
        ];
        uint256[4] memory vComponents = [
            0x3596f1f475c8999ffe35ccf7cebee7373ee40513ad467e3fc38600aa06d41bcf,
            0x825a3eb4f09a55637391c950ba5e25c1ea658a15f234c14ebec79e5c68bd4133,
            0x1c2a90c4c30f60e878d1fe317acf4f2e059300e3deaa1c949628096ecaf993b2,
            0x9d42bf0c35d765c2242712205e8f8b1ea588f470a6980b21bc9efb4ab33ae246
        ];
        assertTrue(verifier.fastVerify(publicKey, proof, "sample", uPoint, vComponents));
        assertTrue(verifier.verify(publicKey, proof, "sample"));
        assertEq(verifier.proofToHash(proof), 0x612065e309e937ef46c2ef04d5886b9c6efd2991ac484ec64a9b014366fc5d81);
        // Witnet's invalid cases: wrong gamma sign, wrong message.
        proof[0] = 0x02;
        assertFalse(verifier.fastVerify(publicKey, proof, "sample", uPoint, vComponents));
        proof[0] = 0x03;
        assertFalse(verifier.fastVerify(publicKey, proof, "this test will fail!", uPoint, vComponents));
    }

    // ---------------------------------------------------------------- rejection

    function test_verify_wrongMessage() public view {
        Vector memory v = _vector("random", 0);
        bytes memory other = bytes.concat(v.alpha, hex"00");
        assertFalse(verifier.verify(v.publicKey, v.proof, other));
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, other, v.uPoint, v.vComponents));
    }

    function test_verify_wrongPublicKey() public view {
        Vector memory v = _vector("random", 1);
        Vector memory w = _vector("random", 2);
        assertFalse(verifier.verify(w.publicKey, v.proof, v.alpha));
        assertFalse(verifier.fastVerify(w.publicKey, v.proof, v.alpha, v.uPoint, v.vComponents));
    }

    function test_verify_publicKeyOffCurve() public view {
        Vector memory v = _vector("random", 3);
        v.publicKey[63] = bytes1(uint8(v.publicKey[63]) ^ 1);
        assertFalse(verifier.verify(v.publicKey, v.proof, v.alpha));
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, v.vComponents));
    }

    function test_verify_gammaNotOnCurve() public view {
        Vector memory v = _vector("random", 4);
        // Find an x near gamma's with no curve point: about half of all x qualify.
        uint256 x = uint256(_slice32(v.proof, 1));
        for (;; ++x) {
            (bool ok,) = Secp256k1.decompress(x, false);
            if (!ok) break;
        }
        bytes memory proof = bytes.concat(v.proof[0], bytes32(x), _tail(v.proof, 33));
        assertFalse(verifier.verify(v.publicKey, proof, v.alpha));
        assertFalse(verifier.fastVerify(v.publicKey, proof, v.alpha, v.uPoint, v.vComponents));
    }

    function test_verify_scalarOutOfRange() public view {
        Vector memory v = _vector("random", 5);
        // s + n encodes the same residue; the draft requires s < n.
        uint256 s = uint256(_slice32(v.proof, 49));
        if (s <= type(uint256).max - Secp256k1.N) {
            bytes memory proof = bytes.concat(_head(v.proof, 49), bytes32(s + Secp256k1.N));
            assertFalse(verifier.verify(v.publicKey, proof, v.alpha));
            assertFalse(verifier.fastVerify(v.publicKey, proof, v.alpha, v.uPoint, v.vComponents));
        }
        bytes memory zeroS = bytes.concat(_head(v.proof, 49), bytes32(0));
        assertFalse(verifier.verify(v.publicKey, zeroS, v.alpha));
        bytes memory zeroC = bytes.concat(_head(v.proof, 33), bytes16(0), _tail(v.proof, 49));
        assertFalse(verifier.verify(v.publicKey, zeroC, v.alpha));
    }

    function test_verify_revertsOnBadLengths() public {
        Vector memory v = _vector("random", 6);
        bytes memory shortProof = _head(v.proof, 80);
        bytes memory longProof = bytes.concat(v.proof, hex"00");
        vm.expectRevert(abi.encodeWithSelector(ECVRF.VRFInvalidProofLength.selector, 80));
        verifier.verify(v.publicKey, shortProof, v.alpha);
        vm.expectRevert(abi.encodeWithSelector(ECVRF.VRFInvalidProofLength.selector, 82));
        verifier.fastVerify(v.publicKey, longProof, v.alpha, v.uPoint, v.vComponents);
        vm.expectRevert(abi.encodeWithSelector(ECVRF.VRFInvalidProofLength.selector, 80));
        verifier.proofToHash(shortProof);
        bytes memory key65 = bytes.concat(hex"04", v.publicKey);
        vm.expectRevert(abi.encodeWithSelector(ECVRF.VRFInvalidPublicKeyLength.selector, 65));
        verifier.verify(key65, v.proof, v.alpha);
        vm.expectRevert(abi.encodeWithSelector(ECVRF.VRFInvalidPublicKeyLength.selector, 65));
        verifier.fastVerify(key65, v.proof, v.alpha, v.uPoint, v.vComponents);
    }

    function test_fastVerify_helpersOfAnotherProof() public view {
        Vector memory v = _vector("random", 7);
        Vector memory w = _vector("random", 8);
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, w.uPoint, v.vComponents));
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, w.vComponents));
    }

    function test_fastVerify_helperOffCurve() public view {
        Vector memory v = _vector("random", 9);
        uint256[2] memory u = v.uPoint;
        u[1] = Secp256k1.P - u[1] + 1;
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, u, v.vComponents));
    }

    function test_fastVerify_negatedHelpers() public view {
        // The negation has the same x: only the parity (and so the address) tells them apart.
        Vector memory v = _vector("random", 10);
        uint256[2] memory u = [v.uPoint[0], Secp256k1.P - v.uPoint[1]];
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, u, v.vComponents));
        uint256[4] memory comps = v.vComponents;
        comps[3] = Secp256k1.P - comps[3];
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, comps));
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Each run includes a full verification (~1.3M gas): fewer local runs, the CI profile keeps its own.
    /// forge-config: default.fuzz.runs = 96
    function testFuzz_verify_flippedProofBitIsRejected(uint256 vectorIndex, uint256 bitIndex) public view {
        Vector memory v = _vector("random", bound(vectorIndex, 0, 31));
        bitIndex = bound(bitIndex, 0, 81 * 8 - 1);
        v.proof[bitIndex / 8] = bytes1(uint8(v.proof[bitIndex / 8]) ^ uint8(1 << (bitIndex % 8)));
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, v.vComponents), "fastVerify");
        assertFalse(verifier.verify(v.publicKey, v.proof, v.alpha), "verify");
    }

    /// @dev Each run includes a full verification (~1.3M gas): fewer local runs, the CI profile keeps its own.
    /// forge-config: default.fuzz.runs = 96
    function testFuzz_verify_flippedMessageBitIsRejected(uint256 vectorIndex, uint256 bitIndex) public view {
        Vector memory v = _vector("random", bound(vectorIndex, 0, 31));
        vm.assume(v.alpha.length > 0);
        bitIndex = bound(bitIndex, 0, v.alpha.length * 8 - 1);
        v.alpha[bitIndex / 8] = bytes1(uint8(v.alpha[bitIndex / 8]) ^ uint8(1 << (bitIndex % 8)));
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, v.vComponents), "fastVerify");
        assertFalse(verifier.verify(v.publicKey, v.proof, v.alpha), "verify");
    }

    function testFuzz_fastVerify_alteredHelperIsRejected(uint256 vectorIndex, uint256 which, uint256 delta)
        public
        view
    {
        Vector memory v = _vector("random", bound(vectorIndex, 0, 31));
        delta = bound(delta, 1, type(uint256).max);
        which = bound(which, 0, 5);
        unchecked {
            // Wrapping is fine: any change of value is what is being tested.
            if (which < 2) v.uPoint[which] += delta;
            else v.vComponents[which - 2] += delta;
        }
        assertFalse(verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, v.vComponents));
    }

    // ---------------------------------------------------------------- gas

    function test_gas_verifyAndFastVerify() public {
        Vector memory v = _vector("random", 4);
        verifier.verify(v.publicKey, v.proof, v.alpha);
        vm.snapshotGasLastCall("VRFVerifier", "verify");
        verifier.fastVerify(v.publicKey, v.proof, v.alpha, v.uPoint, v.vComponents);
        vm.snapshotGasLastCall("VRFVerifier", "fastVerify");
        verifier.proofToHash(v.proof);
        vm.snapshotGasLastCall("VRFVerifier", "proofToHash");
    }

    // ---------------------------------------------------------------- helpers

    function _slice32(bytes memory data, uint256 offset) internal pure returns (bytes32 out) {
        assembly ("memory-safe") {
            out := mload(add(add(data, 32), offset))
        }
    }

    function _head(bytes memory data, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            out[i] = data[i];
        }
    }

    function _tail(bytes memory data, uint256 from) internal pure returns (bytes memory out) {
        out = new bytes(data.length - from);
        for (uint256 i = from; i < data.length; ++i) {
            out[i - from] = data[i];
        }
    }
}
