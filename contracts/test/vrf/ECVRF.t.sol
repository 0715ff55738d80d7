// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {ECVRF} from "../../src/vrf/ECVRF.sol";
import {Secp256k1} from "../../src/vrf/Secp256k1.sol";

/// @notice Exposes the library's internal steps (they take calldata) for step-by-step tests.
contract ECVRFHarness {
    function hashToCurve(uint256 x, uint256 y, bytes calldata alpha) external pure returns (bool, uint256, uint256) {
        return ECVRF.hashToCurve(x, y, alpha);
    }

    function mulAdd(uint256 a, uint256[2] memory pa, uint256 b, uint256[2] memory pb)
        external
        pure
        returns (bool, uint256[2] memory)
    {
        return Secp256k1.mulAdd(a, pa, b, pb);
    }
}

/// @notice The building blocks of the verifier against published intermediate values (Witnet
/// vrf-solidity test/data.json: hashToTryAndIncrement, ecMul) and against each other.
contract ECVRFTest is Test {
    ECVRFHarness internal harness = new ECVRFHarness();

    uint256 internal constant PK_X = 0x2c8c31fc9f990c6b55e3865a184a4ce50e09481f2eaeb3e60ec1cea13a6ae645;
    uint256 internal constant PK_Y = 0x64b95e4fdb6948c0386e189b006a29f686769b011704275e4459822dc3328085;

    function test_hashToCurve_firstIteration() public view {
        (bool ok, uint256 x, uint256 y) = harness.hashToCurve(PK_X, PK_Y, "sample");
        assertTrue(ok);
        assertEq(x, 0x397a915943d5c8192c79fea8a4b6d45be41e0a9ae2722c1e192a009cb9f38ce3);
        assertEq(y, 0x09fb51558a73827c2571280f89adb0fe5626497ef54061836d2c83bb101d88ac);
    }

    function test_hashToCurve_sixthIteration() public view {
        (bool ok, uint256 x, uint256 y) = harness.hashToCurve(PK_X, PK_Y, hex"73616d706c77");
        assertTrue(ok);
        assertEq(x, 0xe906a3b4379ddbff598994b2ff026766fb66424710776099b85111f23f8eebcc);
        assertEq(y, 0x7638965bf85f5f2b6641324389ef2ffb99576ba72ec19d8411a5ea1dd251b112);
    }

    function test_mulAdd_publishedMultiples() public view {
        // Witnet ecMul vectors: k·G for k = (n−1)/4 and k = (n−1)/2.
        (bool ok, uint256[2] memory r) = harness.mulAdd(
            28948022309329048855892746252171976963209391069768726095651290785379540373584,
            [Secp256k1.GX, Secp256k1.GY],
            0,
            [Secp256k1.GX, Secp256k1.GY]
        );
        assertTrue(ok);
        assertEq(r[0], 0xa6b594b38fb3e77c6edf78161fade2041f4e09fd8497db776e546c41567feb3c);
        assertEq(r[1], 0x71444009192228730cd8237a490feba2afe3d27d7cc1136bc97e439d13330d55);
        (ok, r) = harness.mulAdd(
            57896044618658097711785492504343953926418782139537452191302581570759080747168,
            [Secp256k1.GX, Secp256k1.GY],
            0,
            [Secp256k1.GX, Secp256k1.GY]
        );
        assertTrue(ok);
        assertEq(r[0], 0x00000000000000000000003b78ce563f89a0ed9414f5aa28ad0d96d6795f9c63);
        assertEq(r[1], 0x3f3979bf72ae8202983dc989aec7f2ff2ed91bdd69ce02fc0700ca100e59ddf3);
    }

    function test_mulAdd_small() public view {
        // 1·G + 1·G = 2·G; 3·G − … via the generator's published multiples (Witnet vrf-rs examples).
        (bool ok, uint256[2] memory r) =
            harness.mulAdd(1, [Secp256k1.GX, Secp256k1.GY], 1, [Secp256k1.GX, Secp256k1.GY]);
        assertTrue(ok);
        assertEq(r[0], 0xC6047F9441ED7D6D3045406E95C07CD85C778E4B8CEF3CA7ABAC09B95C709EE5);
        (ok, r) = harness.mulAdd(2, [Secp256k1.GX, Secp256k1.GY], 1, [Secp256k1.GX, Secp256k1.GY]);
        assertTrue(ok);
        assertEq(r[0], 0xF9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9);
        (ok, r) = harness.mulAdd(1, [Secp256k1.GX, Secp256k1.GY], 1, [Secp256k1.GX, Secp256k1.P - Secp256k1.GY]);
        assertFalse(ok);
    }
}
