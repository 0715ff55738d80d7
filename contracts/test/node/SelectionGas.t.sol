// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {NodeVersion} from "../../src/node/NodeVersion.sol";
import {IncentivePool} from "../../src/pool/IncentivePool.sol";
import {Test} from "../utils/Test.sol";
import {NodeRegistryHarness} from "./NodeRegistryHarness.sol";

/// @dev Cheatcodes used only here (forge's own signatures).
interface VmGas {
    function envOr(string calldata name, bool defaultValue) external view returns (bool value);
    function cool(address target) external;
}

/// @notice Gas of selectNode / releaseNode at 10, 1,000 and (with VERINET_GAS_100K=true) 100,000 registered
/// nodes, written to snapshots/NodeRegistrySelection.json. Every measured call starts from cold storage, as
/// in a real transaction. Selection must stay within 10 % of its 10-node gas.
contract SelectionGasTest is Test {
    VmGas private constant vmGas = VmGas(address(uint160(uint256(keccak256("hevm cheat code")))));
    string private constant GROUP = "NodeRegistrySelection";
    string private constant GPU = "NVIDIA GeForce RTX 4090";
    uint256 private constant MIN_STAKE = 1 ether;
    uint256 private constant RANDOMNESS = uint256(keccak256("verinet selection gas"));

    struct Figures {
        uint256 selectAny;
        uint256 selectPinned;
        uint256 selectLocality;
        uint256 release;
    }

    function test_selectNodeGas_10() public {
        _record("10", _measure(10));
    }

    function test_selectNodeGas_1000_isFlat() public {
        Figures memory small = _measure(10);
        Figures memory large = _measure(1_000);
        _record("1000", large);
        _assertFlat(small, large);
    }

    /// @dev About 20 s on 2 cores: run with VERINET_GAS_100K=true.
    function test_selectNodeGas_100000_isFlat() public {
        if (!vmGas.envOr("VERINET_GAS_100K", false)) return;
        Figures memory small = _measure(10);
        Figures memory large = _measure(100_000);
        _record("100000", large);
        _assertFlat(small, large);
    }

    function _measure(uint256 count) private returns (Figures memory f) {
        IncentivePool pool = new IncentivePool(address(this));
        NodeRegistryHarness registry =
            new NodeRegistryHarness(address(this), IIncentivePool(address(pool)), address(this), MIN_STAKE);
        bytes32 model = keccak256("base:stabilityai/stable-diffusion-xl-base-1.0");
        bytes32[] memory models = new bytes32[](1);
        models[0] = model;
        uint64 version = NodeVersion.pack(1, 2, 3);
        vm.deal(address(this), count * MIN_STAKE);
        vm.pauseGasMetering();
        registry.bulkJoin{value: count * MIN_STAKE}(count, GPU, 24, version, models);
        vm.resumeGasMetering();

        INodeRegistry.SelectionRequest memory req = INodeRegistry.SelectionRequest({
            taskType: 0,
            requiredGpu: bytes32(0),
            minVram: 16,
            version: NodeVersion.pack(1, 2, 0),
            modelIds: new bytes32[](0)
        });
        address node;
        (f.selectAny, node) = _select(registry, req, 1);
        f.release = _release(registry, node, 1);

        req.taskType = 1;
        req.requiredGpu = keccak256(bytes(GPU));
        (f.selectPinned, node) = _select(registry, req, 2);
        _release(registry, node, 2);

        req.requiredGpu = bytes32(0);
        req.modelIds = models;
        (f.selectLocality, node) = _select(registry, req, 3);
    }

    function _select(NodeRegistryHarness registry, INodeRegistry.SelectionRequest memory req, uint256 task)
        private
        returns (uint256 gasUsed, address node)
    {
        vmGas.cool(address(registry));
        uint256 before = gasleft();
        node = registry.selectNode(req, RANDOMNESS, bytes32(task));
        gasUsed = before - gasleft();
        assertTrue(node != address(0), "a node was selected");
    }

    function _release(NodeRegistryHarness registry, address node, uint256 task) private returns (uint256 gasUsed) {
        vmGas.cool(address(registry));
        uint256 before = gasleft();
        assertTrue(registry.releaseNode(node, bytes32(task)));
        gasUsed = before - gasleft();
    }

    function _record(string memory count, Figures memory f) private {
        vm.snapshotValue(GROUP, string.concat("selectNode_anyGpu_", count), f.selectAny);
        vm.snapshotValue(GROUP, string.concat("selectNode_pinnedGpu_", count), f.selectPinned);
        vm.snapshotValue(GROUP, string.concat("selectNode_locality_", count), f.selectLocality);
        vm.snapshotValue(GROUP, string.concat("releaseNode_", count), f.release);
    }

    function _assertFlat(Figures memory small, Figures memory large) private pure {
        assertLe(large.selectAny, small.selectAny * 110 / 100, "selectNode any GPU within 10 %");
        assertLe(large.selectPinned, small.selectPinned * 110 / 100, "selectNode pinned GPU within 10 %");
        assertLe(large.selectLocality, small.selectLocality * 110 / 100, "selectNode locality within 10 %");
        assertLe(large.release, small.release * 110 / 100, "releaseNode within 10 %");
    }
}
