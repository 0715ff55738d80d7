// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {IVRFVerifier} from "../../src/interfaces/IVRFVerifier.sol";
import {NodeRegistry} from "../../src/node/NodeRegistry.sol";
import {IncentivePool} from "../../src/pool/IncentivePool.sol";
import {TaskManager} from "../../src/task/TaskManager.sol";
import {VRFVerifier} from "../../src/vrf/VRFVerifier.sol";
import {TaskManagerTestBase} from "./utils/TaskManagerTestBase.sol";
import {VrfVector} from "./utils/VrfVector.sol";

/// @notice Group validation with the real ECVRF verifier and a real proof from the VRF fixtures: the
/// fixture's 32-byte message is installed as the original task's creation block hash.
contract TaskManagerRealVrfTest is TaskManagerTestBase {
    VrfVector.Vector internal v;

    function setUp() public override {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        pool = new IncentivePool(owner);
        registry = new NodeRegistry(owner, IIncentivePool(address(pool)), nextCreateAddress(2), MIN_STAKE);
        tm = new TaskManager(INodeRegistry(address(registry)), IVRFVerifier(address(new VRFVerifier())), owner);
        assertEq(registry.taskManager(), address(tm), "precomputed TaskManager address");
        v = VrfVector.load();
        app = v.addr;
        appPublicKey = v.publicKey;
        vm.deal(app, 100 ether);
        for (uint256 i = 0; i < 3; ++i) {
            _joinNode(uint256(keccak256(abi.encode("node", i))), GPU);
        }
        tm.setSamplingDenominator(VrfVector.DENOMINATOR);
    }

    function _realGroup() internal returns (ITaskManager.GroupValidation memory g) {
        bytes32[3] memory keys;
        keys[0] = _createPending(_params(0));
        vmx.setBlockhash(block.number, v.seed);
        vm.roll(block.number + 1);
        tm.settleDraws();
        keys[1] = _create(1);
        keys[2] = _create(2);
        _nextBlock();
        bytes[3] memory scores;
        for (uint256 i = 0; i < 3; ++i) {
            scores[i] = _score(i == 2 ? 9 : 1);
            _submit(keys[i], scores[i]);
        }
        assertEq(tm.samplingSeed(keys[0]), v.seed);
        g = _group(keys, _ids(), scores);
        g.vrfProof = v.proof;
        g.uPoint = v.uPoint;
        g.vComponents = v.vComponents;
    }

    /// @dev The base builds stand-in proofs; here every proof comes from the fixture instead.
    function _group(bytes32[3] memory keys, uint256[3] memory ids, bytes[3] memory scores)
        internal
        view
        override
        returns (ITaskManager.GroupValidation memory g)
    {
        g.taskKeys = keys;
        g.guid = GUID;
        g.argsHash = ARGS_HASH;
        for (uint256 i = 0; i < 3; ++i) {
            g.nonces[i] = _nonce(ids[i]);
            g.salts[i] = _salt(ids[i]);
        }
        g.scores = scores;
        for (uint256 i = 0; i < 3; ++i) {
            g.seeds[i] = seedOf[keys[i]];
        }
        g.modelIds = new bytes32[](1);
        g.modelIds[0] = MODEL;
        g.minVram = 8;
        g.version = VERSION;
        g.publicKey = appPublicKey;
    }

    function test_validateTaskGroup_realProofSlashesTheOddOneOut() public {
        ITaskManager.GroupValidation memory g = _realGroup();
        bytes32[3] memory keys = g.taskKeys;
        address cheater = _node(keys[2]);
        _validateGroup(g);
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.EndGroupSuccess));
        assertEq(uint256(_state(keys[2])), uint256(ITaskManager.TaskState.EndInvalidated));
        assertEq(address(pool).balance, MIN_STAKE);
        assertEq(uint256(registry.getNodeInfo(cheater).status), uint256(INodeRegistry.NodeStatus.Quit));
    }

    function test_validateTaskGroup_realProofTamperedIsRefused() public {
        ITaskManager.GroupValidation memory g = _realGroup();
        g.vrfProof[80] = g.vrfProof[80] ^ 0x01;
        vm.prank(app);
        vm.expectRevert(ITaskManager.InvalidVrfProof.selector);
        tm.validateTaskGroup(g);
    }

    function test_validateTaskGroup_realProofNotSampledAtTen() public {
        ITaskManager.GroupValidation memory g = _realGroup();
        tm.setSamplingDenominator(10);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotSampled.selector, v.beta, 10));
        tm.validateTaskGroup(g);
    }
}
