// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {NodeVersion} from "../../src/node/NodeVersion.sol";
import {IncentivePool} from "../../src/pool/IncentivePool.sol";
import {Test} from "../utils/Test.sol";
import {NodeRegistryHarness} from "./NodeRegistryHarness.sol";

/// @notice Shared set-up: a pool, a registry whose TaskManager is the test contract itself, and helpers
/// that make nodes whose 64-byte public key hashes to their address.
abstract contract NodeRegistryTestBase is Test {
    /// @dev This test contract plays the TaskManager: the registry asks it to settle pending draws (finding 1)
    /// before every population change; there are none here.
    function settleDraws() external pure returns (uint256) {
        return 0;
    }

    uint256 internal constant MIN_STAKE = 1 ether;
    string internal constant GPU_4090 = "NVIDIA GeForce RTX 4090";
    string internal constant GPU_A100 = "NVIDIA A100-SXM4-80GB";
    bytes32 internal constant MODEL_A = keccak256("base:stabilityai/stable-diffusion-xl-base-1.0");
    bytes32 internal constant MODEL_B = keccak256("base:Qwen/Qwen2.5-7B-Instruct");
    bytes32 internal constant TASK_1 = keccak256("task 1");
    bytes32 internal constant TASK_2 = keccak256("task 2");

    address internal owner = makeAddr("owner");
    IncentivePool internal pool;
    NodeRegistryHarness internal registry;
    uint64 internal v1_2_3 = NodeVersion.pack(1, 2, 3);
    uint256 private _keyCounter;

    function setUp() public virtual {
        pool = new IncentivePool(owner);
        registry = new NodeRegistryHarness(owner, IIncentivePool(address(pool)), address(this), MIN_STAKE);
        // Pinned requests here are exact-match ones on a handful of nodes: the bucket floor has its own tests.
        vm.prank(owner);
        registry.setMinExactBucket(0);
    }

    /// @notice A fresh 64-byte "public key" and the address it hashes to.
    function newKey() internal returns (bytes memory publicKey, address node) {
        ++_keyCounter;
        publicKey = abi.encodePacked(keccak256(abi.encode("x", _keyCounter)), keccak256(abi.encode("y", _keyCounter)));
        node = address(uint160(uint256(keccak256(publicKey))));
    }

    function noModels() internal pure returns (bytes32[] memory) {
        return new bytes32[](0);
    }

    function models(bytes32 a) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](1);
        list[0] = a;
    }

    function joinNode(string memory gpu, uint32 vram, uint64 version, uint256 stake, bytes32[] memory modelIds)
        internal
        returns (address node)
    {
        bytes memory publicKey;
        (publicKey, node) = newKey();
        vm.deal(node, stake);
        vm.prank(node);
        registry.join{value: stake}(gpu, vram, version, publicKey, address(0), modelIds);
    }

    function joinDefault() internal returns (address) {
        return joinNode(GPU_4090, 24, v1_2_3, MIN_STAKE, noModels());
    }

    function request(bytes32 gpu, uint32 minVram, uint64 version, bytes32[] memory modelIds)
        internal
        pure
        returns (INodeRegistry.SelectionRequest memory)
    {
        return INodeRegistry.SelectionRequest({
            taskType: gpu == bytes32(0) ? 0 : 1,
            requiredGpu: gpu,
            minVram: minVram,
            version: version,
            modelIds: modelIds,
            fee: 1 gwei
        });
    }

    function anyRequest() internal view returns (INodeRegistry.SelectionRequest memory) {
        return request(bytes32(0), 8, v1_2_3, noModels());
    }

    function statusOf(address node) internal view returns (INodeRegistry.NodeStatus) {
        return registry.getNodeInfo(node).status;
    }

    function assertStatus(address node, INodeRegistry.NodeStatus expected) internal view {
        assertEq(uint256(statusOf(node)), uint256(expected), "status");
    }

    /// @notice Number of Available nodes in the any-GPU sets of `major`, all tiers.
    function availableTotal(uint64 major) internal view returns (uint256 total) {
        bytes32 group = registry.groupKey(bytes32(0), major);
        for (uint256 t; t < 8; ++t) {
            total += registry.availableCount(group, t);
        }
    }
}
