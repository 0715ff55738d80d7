// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {NodeRegistry} from "../../src/node/NodeRegistry.sol";
import {NodeVersion} from "../../src/node/NodeVersion.sol";
import {QoS} from "../../src/node/QoS.sol";
import {VramTiers} from "../../src/node/VramTiers.sol";
import {IncentivePool} from "../../src/pool/IncentivePool.sol";
import {Test} from "../utils/Test.sol";

/// @notice Drives the registry as nodes and as its TaskManager with random but mostly valid actions.
contract NodeRegistryHandler is Test {
    /// @dev This test contract plays the TaskManager: the registry asks it to settle pending draws (finding 1)
    /// before every population change; there are none here.
    function settleDraws() external pure returns (uint256) {
        return 0;
    }

    uint256 internal constant ACTORS = 8;
    uint256 internal constant MIN_STAKE = 1 ether;

    NodeRegistry public registry;
    IncentivePool public pool;
    address[ACTORS] public actors;
    bytes[ACTORS] internal keys;
    string[3] public gpus = ["NVIDIA GeForce RTX 4090", "NVIDIA A100-SXM4-80GB", "AMD Radeon RX 7900 XTX"];
    bytes32[4] public modelList = [keccak256("m0"), keccak256("m1"), keccak256("m2"), keccak256("m3")];
    uint32[6] internal vrams = [uint32(6), 12, 16, 20, 24, 80];
    uint256 public slashedTotal;
    uint256 internal taskCounter;

    constructor() {
        pool = new IncentivePool(address(this));
        registry = new NodeRegistry(address(this), IIncentivePool(address(pool)), address(this), MIN_STAKE);
        // Exact-match draws on a dozen nodes: no bucket floor (it has its own tests).
        registry.setMinExactBucket(0);
        for (uint256 i; i < ACTORS; ++i) {
            keys[i] = abi.encodePacked(keccak256(abi.encode("ix", i)), keccak256(abi.encode("iy", i)));
            actors[i] = address(uint160(uint256(keccak256(keys[i]))));
        }
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }

    function _models(uint256 seed) internal view returns (bytes32[] memory ids) {
        uint256 count = seed % 4;
        ids = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            ids[i] = modelList[(seed / 4 + i) % 4];
        }
    }

    function join(uint256 actorSeed, uint256 hwSeed, uint256 stakeSeed, uint256 modelSeed) external {
        uint256 a = actorSeed % ACTORS;
        address node = actors[a];
        if (registry.getNodeInfo(node).status != INodeRegistry.NodeStatus.Quit) return;
        uint256 stake = bound(stakeSeed, MIN_STAKE, 5 * MIN_STAKE);
        vm.deal(node, stake);
        uint64 version = NodeVersion.pack(uint32(1 + (hwSeed >> 8) % 2), uint16((hwSeed >> 16) % 3), 0);
        vm.prank(node);
        registry.join{value: stake}(
            gpus[hwSeed % 3], vrams[(hwSeed >> 4) % 6], version, keys[a], address(0), _models(modelSeed)
        );
    }

    /// @dev The first action whose outcome (success or revert) contradicted the node's status ("" if none):
    /// no handler swallows a revert, each must be the one the status calls for.
    string public unexpected;

    function _check(bool mustSucceed, bool succeeded, string memory action) internal {
        if (mustSucceed != succeeded && bytes(unexpected).length == 0) {
            unexpected = string.concat(action, succeeded ? " succeeded where it must revert" : " reverted");
        }
    }

    function _status(address node) internal view returns (INodeRegistry.NodeStatus) {
        return registry.getNodeInfo(node).status;
    }

    function pause(uint256 actorSeed) external {
        address node = actors[actorSeed % ACTORS];
        INodeRegistry.NodeStatus s = _status(node);
        bool ok = s == INodeRegistry.NodeStatus.Available || s == INodeRegistry.NodeStatus.Busy;
        vm.prank(node);
        try registry.pause() {
            _check(ok, true, "pause");
        } catch {
            _check(ok, false, "pause");
        }
    }

    function resume(uint256 actorSeed) external {
        address node = actors[actorSeed % ACTORS];
        INodeRegistry.NodeStatus s = _status(node);
        bool ok = s == INodeRegistry.NodeStatus.Paused || s == INodeRegistry.NodeStatus.PendingPause;
        vm.prank(node);
        try registry.resume() {
            _check(ok, true, "resume");
        } catch {
            _check(ok, false, "resume");
        }
    }

    function quit(uint256 actorSeed) external {
        address node = actors[actorSeed % ACTORS];
        INodeRegistry.NodeStatus s = _status(node);
        bool ok = s != INodeRegistry.NodeStatus.Quit && s != INodeRegistry.NodeStatus.PendingQuit;
        vm.prank(node);
        try registry.quit() {
            _check(ok, true, "quit");
        } catch {
            _check(ok, false, "quit");
        }
    }

    function withdraw(uint256 actorSeed) external {
        address node = actors[actorSeed % ACTORS];
        bool ok = registry.pendingWithdrawal(node) != 0;
        vm.prank(node);
        try registry.withdraw() {
            _check(ok, true, "withdraw");
        } catch {
            _check(ok, false, "withdraw");
        }
    }

    function updateModels(uint256 actorSeed, uint256 modelSeed) external {
        address node = actors[actorSeed % ACTORS];
        bool ok = _status(node) != INodeRegistry.NodeStatus.Quit;
        vm.prank(node);
        try registry.updateModels(_models(modelSeed)) {
            _check(ok, true, "updateModels");
        } catch {
            _check(ok, false, "updateModels");
        }
    }

    function selectNode(uint256 randomness, uint256 reqSeed) external {
        bytes32[] memory ids = _models(reqSeed >> 16);
        bool pinned = reqSeed % 4 != 3;
        INodeRegistry.SelectionRequest memory req = INodeRegistry.SelectionRequest({
            // Only exact-match (LLM) tasks pin a GPU.
            taskType: pinned ? 1 : 0,
            requiredGpu: pinned ? keccak256(bytes(gpus[reqSeed % 4])) : bytes32(0),
            minVram: uint32((reqSeed >> 4) % 30),
            version: NodeVersion.pack(uint32(1 + (reqSeed >> 8) % 2), uint16((reqSeed >> 12) % 3), 0),
            modelIds: ids,
            fee: 1 gwei
        });
        address node = registry.selectNode(req, randomness, bytes32(++taskCounter));
        if (node != address(0)) {
            INodeRegistry.NodeInfo memory info = registry.getNodeInfo(node);
            assertTrue(info.vram >= req.minVram, "selected vram");
            assertTrue(NodeVersion.isCompatible(info.version, req.version), "selected version");
            if (pinned) assertEq(uint256(info.version), uint256(req.version), "exact version");
            assertTrue(req.requiredGpu == bytes32(0) || info.gpuId == req.requiredGpu, "selected gpu");
        }
    }

    function occupyNode(uint256 actorSeed) external {
        address node = actors[actorSeed % ACTORS];
        if (registry.getNodeInfo(node).status != INodeRegistry.NodeStatus.Available) return;
        registry.occupyNode(node, bytes32(++taskCounter));
    }

    function releaseNode(uint256 actorSeed) external {
        address node = actors[actorSeed % ACTORS];
        registry.releaseNode(node, registry.currentTaskOf(node));
    }

    function recordSubmission(uint256 actorSeed, uint8 position, uint8 total) external {
        total = uint8(bound(total, 1, 3));
        registry.recordSubmission(actors[actorSeed % ACTORS], uint8(bound(position, 0, total - 1)), total);
    }

    function recordTimeout(uint256 actorSeed) external {
        registry.recordTimeout(actors[actorSeed % ACTORS]);
    }

    /// @notice The owner moves the parameters a selection weight depends on (the rejection bound must keep
    /// covering every node's weight under any of them).
    function setWeightParams(uint256 seed) external {
        registry.setMinStake(bound(seed, MIN_STAKE / 4, MIN_STAKE));
        registry.setStakeWeightCap(1 + (seed >> 64) % 16);
        QoS.Params memory p = QoS.defaults();
        // Above the default secondPoints (7,000), as QoS.validate requires.
        p.firstPoints = uint16(bound(seed >> 96, 7_001, 10_000));
        p.minScore = uint16(bound(seed >> 128, 1, 3_000));
        p.initialScore = uint16(bound(seed >> 160, p.minScore, 10_000));
        registry.setQoSParams(p);
    }

    function slash(uint256 actorSeed) external {
        address node = actors[actorSeed % ACTORS];
        slashedTotal += registry.getNodeInfo(node).stake;
        registry.slash(node);
    }
}

/// @notice Value and bookkeeping invariants of the NodeRegistry.
contract NodeRegistryInvariantTest is Test {
    NodeRegistryHandler internal handler;
    NodeRegistry internal registry;

    function setUp() public {
        handler = new NodeRegistryHandler();
        registry = handler.registry();
        targetContract(address(handler));
    }

    /// @notice One campaign checks everything, with as few calls as possible: forge checks the invariant
    /// after every handler call, and these checks dominate the run time.
    ///  - balance == sum of stakes + pending withdrawals, and the running totals match the nodes;
    ///  - the pool holds exactly the slashed stakes;
    ///  - every listed node (Available or Busy: a busy node stays in its draw sets) sits at its stored
    ///    positions in its two sets;
    ///  - the sets hold nothing but listed nodes of their group and tier, each at its stored position, and
    ///    as many as there are listed nodes;
    ///  - each model's holder set has exactly the registered nodes declaring it; departed nodes hold none;
    ///  - no Available node weighs more than the selection's rejection bound (else selection would be biased).
    function invariant_registryIsConsistent() public view {
        assertEq(bytes(handler.unexpected()).length, 0, handler.unexpected());
        uint256 stakes;
        uint256 pending;
        uint256 listedNodes;
        uint256[4] memory declared;
        for (uint256 i; i < handler.actorCount(); ++i) {
            address node = handler.actors(i);
            INodeRegistry.NodeInfo memory info = registry.getNodeInfo(node);
            stakes += info.stake;
            pending += registry.pendingWithdrawal(node);
            bytes32[] memory ids = registry.modelsOf(node);
            if (info.status == INodeRegistry.NodeStatus.Quit) {
                assertEq(ids.length, 0, "departed nodes hold no models");
                continue;
            }
            for (uint256 k; k < ids.length; ++k) {
                for (uint256 m; m < 4; ++m) {
                    if (ids[k] == handler.modelList(m)) ++declared[m];
                }
            }
            if (_listed(info.status)) {
                ++listedNodes;
                _checkInSets(node, info);
            }
            if (info.status == INodeRegistry.NodeStatus.Available) {
                assertLe(registry.selectionWeightOf(node), registry.selectionWeightBound(), "weight bound");
            }
        }
        assertEq(registry.totalStaked(), stakes, "totalStaked");
        assertEq(registry.totalPendingWithdrawals(), pending, "totalPendingWithdrawals");
        assertEq(address(registry).balance, stakes + pending, "balance");
        assertEq(address(handler.pool()).balance, handler.slashedTotal(), "pool holds every slashed stake");
        for (uint256 m; m < 4; ++m) {
            assertEq(registry.modelHolderCount(handler.modelList(m)), declared[m], "holders");
        }
        uint256 anyMembers;
        uint256 gpuMembers;
        for (uint64 major = 1; major <= 2; ++major) {
            anyMembers += _checkGroup(bytes32(0), major);
            for (uint16 minor; minor < 3; ++minor) {
                uint64 version = NodeVersion.pack(uint32(major), minor, 0);
                for (uint256 g; g < 3; ++g) {
                    gpuMembers += _checkGroup(keccak256(bytes(handler.gpus(g))), version);
                }
            }
        }
        assertEq(anyMembers, listedNodes, "any-GPU sets size");
        assertEq(gpuMembers, listedNodes, "GPU sets size");
        _checkBuckets();
    }

    /// @dev The registered population of every exact-match bucket counts exactly its registered nodes
    /// (3 GPUs x 2 majors x 3 minors, counted in one pass over the actors).
    function _checkBuckets() private view {
        uint256[18] memory counts;
        for (uint256 i; i < handler.actorCount(); ++i) {
            INodeRegistry.NodeInfo memory info = registry.getNodeInfo(handler.actors(i));
            if (info.status == INodeRegistry.NodeStatus.Quit) continue;
            for (uint256 g; g < 3; ++g) {
                if (info.gpuId == keccak256(bytes(handler.gpus(g)))) {
                    counts[g * 6 + ((info.version >> 32) - 1) * 3 + ((info.version >> 16) & 0xFFFF)] += 1;
                }
            }
        }
        for (uint256 b; b < 18; ++b) {
            // forge-lint: disable-next-line(unsafe-typecast)
            uint64 version = NodeVersion.pack(uint32(1 + (b % 6) / 3), uint16(b % 3), 0);
            bytes32 gpuId = keccak256(bytes(handler.gpus(b / 6)));
            assertEq(registry.exactBucketPopulation(gpuId, version, 0), counts[b], "bucket population");
        }
    }

    function _checkInSets(address node, INodeRegistry.NodeInfo memory info) private view {
        uint256 tier = VramTiers.tierOf(info.vram);
        uint64 major = info.version >> 32;
        (uint256 anyPos, uint256 gpuPos) = registry.availablePositionsOf(node);
        assertEq(registry.availableAt(_groupKey(bytes32(0), major), tier, anyPos), node, "any-GPU set");
        assertEq(registry.availableAt(_groupKey(info.gpuId, info.version), tier, gpuPos), node, "GPU set");
    }

    /// @dev Every member below a tier's size is listed (Available or Busy), of this group and tier, at its stored
    /// position. With the sizes summed against the number of listed nodes, no node is missing or present twice.
    /// @param versionKey the major for the any-GPU sets, the exact packed version for the GPU sets.
    function _checkGroup(bytes32 gpuId, uint64 versionKey) private view returns (uint256 members) {
        bytes32 group = _groupKey(gpuId, versionKey);
        uint256 sizes = registry.availableSizes(group);
        for (uint256 t; t < VramTiers.COUNT; ++t) {
            uint256 count = (sizes >> (t * 32)) & 0xFFFFFFFF;
            for (uint256 index; index < count; ++index) {
                address node = registry.availableAt(group, t, index);
                INodeRegistry.NodeInfo memory info = registry.getNodeInfo(node);
                assertTrue(_listed(info.status), "member is Available or Busy");
                assertEq(VramTiers.tierOf(info.vram), t, "member tier");
                if (gpuId == bytes32(0)) assertEq(uint256(info.version >> 32), uint256(versionKey), "member major");
                else assertEq(uint256(info.version), uint256(versionKey), "member version");
                if (gpuId != bytes32(0)) assertEq(info.gpuId, gpuId, "member GPU");
                (uint256 anyPos, uint256 gpuPos) = registry.availablePositionsOf(node);
                assertEq(gpuId == bytes32(0) ? anyPos : gpuPos, index, "stored position");
            }
            members += count;
        }
    }

    function _listed(INodeRegistry.NodeStatus status) private pure returns (bool) {
        return status == INodeRegistry.NodeStatus.Available || status == INodeRegistry.NodeStatus.Busy;
    }

    /// @dev NodeRegistry.groupKey without a call (test_groupKey_matchesTheRegistry keeps them equal).
    function _groupKey(bytes32 gpuId, uint64 major) private pure returns (bytes32) {
        return keccak256(abi.encode(gpuId, uint256(major)));
    }

    function test_groupKey_matchesTheRegistry() public view {
        assertEq(_groupKey(keccak256("gpu"), 7), registry.groupKey(keccak256("gpu"), 7));
    }
}
