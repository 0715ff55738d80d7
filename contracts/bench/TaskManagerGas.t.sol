// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../src/interfaces/ITaskManager.sol";
import {IVRFVerifier} from "../src/interfaces/IVRFVerifier.sol";
import {IncentivePool} from "../src/pool/IncentivePool.sol";
import {TaskManager} from "../src/task/TaskManager.sol";
import {VRFVerifier} from "../src/vrf/VRFVerifier.sol";
import {NodeRegistryHarness} from "../test/node/NodeRegistryHarness.sol";
import {VmExt} from "../test/task/utils/VmExt.sol";
import {VrfVector} from "../test/task/utils/VrfVector.sol";
import {Test} from "../test/utils/Test.sol";

interface VmCool {
    function cool(address target) external;
}

/// @notice Gas of the TaskManager's transactions, written to snapshots/TaskManagerGas.json:
/// createTask at 10, 1,000 and 100,000 registered nodes, and every call of the unsampled happy path
/// (3 transactions) and of a validation group (7 transactions) with the real ECVRF verifier.
/// Each measured call starts from cold storage, as a transaction does; `*_tx` figures add the intrinsic
/// cost (21,000 + calldata, EIP-2028 prices) so that they compare with receipts on anvil.
/// Run: cd contracts && FOUNDRY_PROFILE=bench npx forge test
contract TaskManagerGasBench is Test {
    VmExt private constant vmx = VmExt(address(uint160(uint256(keccak256("hevm cheat code")))));
    VmCool private constant vmCool = VmCool(address(uint160(uint256(keccak256("hevm cheat code")))));

    string private constant GROUP = "TaskManagerGas";
    string private constant GPU = "NVIDIA GeForce RTX 4090";
    uint256 private constant MIN_STAKE = 1 ether;
    uint256 private constant FEE = 0.01 ether;
    bytes32 private constant MODEL = keccak256("base:stabilityai/stable-diffusion-xl-base-1.0");
    uint64 private constant VERSION = uint64(1) << 32;
    bytes32 private constant GUID = keccak256("bench guid");
    bytes32 private constant ARGS_HASH = keccak256("bench args");

    NodeRegistryHarness private registry;
    TaskManager private tm;
    address private app;
    bytes private appPublicKey;
    VrfVector.Vector private vector;

    function _deploy(uint256 nodeCount) private {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        IncentivePool pool = new IncentivePool(address(this));
        registry = new NodeRegistryHarness(address(this), IIncentivePool(address(pool)), nextCreateAddress(2), MIN_STAKE);
        tm = new TaskManager(INodeRegistry(address(registry)), IVRFVerifier(address(new VRFVerifier())), address(this));
        assertEq(registry.taskManager(), address(tm), "precomputed TaskManager address");
        vm.deal(address(this), nodeCount * MIN_STAKE);
        vm.pauseGasMetering();
        registry.bulkJoin{value: nodeCount * MIN_STAKE}(nodeCount, GPU, 24, VERSION, _models());
        vm.resumeGasMetering();
        vector = VrfVector.load();
        app = vector.addr;
        appPublicKey = vector.publicKey;
        vm.deal(app, 100 ether);
        tm.setSamplingDenominator(VrfVector.DENOMINATOR);
        tm.setRelaySigner(vm.addr(RELAY_KEY));
        // Steady state: counters and the app's balance slot already exist, as on a live network.
        _createTask(1000);
    }

    function _models() private pure returns (bytes32[] memory models) {
        models = new bytes32[](1);
        models[0] = MODEL;
    }

    uint256 private constant RELAY_KEY = uint256(keccak256("bench relay"));

    /// @dev With the relay's real ArgsAvailable statement: its check is part of every createTask.
    function _params(uint256 i) private view returns (ITaskManager.CreateTaskParams memory p) {
        p = _unsigned(i);
        p.relayExpiry = uint64(block.timestamp + 10 minutes);
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(RELAY_KEY, tm.argsAvailableDigest(app, p.argsCommitment, p.relayExpiry));
        p.relaySignature = abi.encodePacked(r, s, v);
    }

    function _unsigned(uint256 i) private pure returns (ITaskManager.CreateTaskParams memory) {
        return ITaskManager.CreateTaskParams({
            taskType: 0,
            modelIds: _models(),
            minVram: 8,
            requiredGpu: bytes32(0),
            version: VERSION,
            taskSize: 1,
            taskIdCommitment: keccak256(abi.encodePacked(GUID, keccak256(abi.encode("nonce", i)))),
            argsCommitment: keccak256(abi.encodePacked(ARGS_HASH, keccak256(abi.encode("salt", i)))),
            relayExpiry: 0,
            relaySignature: ""
        });
    }

    function _cool() private {
        vmCool.cool(address(tm));
        vmCool.cool(address(registry));
    }

    /// @dev Intrinsic gas of a transaction carrying `data` (21,000 + 4 per zero byte + 16 per other byte).
    function _intrinsic(bytes memory data) private pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i = 0; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _record(string memory name, uint256 gas, bytes memory data) private returns (uint256 txGas) {
        txGas = gas + _intrinsic(data);
        vm.snapshotValue(GROUP, string.concat(name, "_tx"), txGas);
    }

    function _createTask(uint256 i) private returns (bytes32 key) {
        ITaskManager.CreateTaskParams memory p = _params(i);
        _cool();
        vm.prank(app);
        key = tm.createTask{value: FEE}(p);
    }

    function _measureCreate(uint256 i, string memory name) private returns (bytes32 key, uint256 txGas) {
        key = _createTask(i);
        uint256 gas = vm.snapshotGasLastCall(GROUP, string.concat(name, "_exec"));
        txGas = _record(name, gas, abi.encodeCall(ITaskManager.createTask, (_params(i))));
    }

    function _score(uint256 variant) private pure returns (bytes memory) {
        return abi.encodePacked(bytes8(keccak256(abi.encode(variant))), bytes8(keccak256(abi.encode(variant, 1))));
    }

    function _submit(bytes32 key, bytes memory score, string memory name) private returns (uint256 txGas) {
        address node = tm.getTask(key).node;
        // The relay's ResultAvailable statement: checked on every submitScore while a relay signer is set.
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(RELAY_KEY, tm.resultAvailableDigest(key, keccak256(score)));
        bytes memory statement = abi.encodePacked(r, s, v);
        _cool();
        vm.prank(node);
        tm.submitScore(key, score, statement);
        uint256 gas = vm.snapshotGasLastCall(GROUP, string.concat(name, "_exec"));
        txGas = _record(name, gas, abi.encodeCall(ITaskManager.submitScore, (key, score, statement)));
    }

    function _nextBlock() private {
        vmx.setBlockhash(block.number, keccak256(abi.encode("bench block", block.number)));
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
    }

    /// @dev Finding 1: the draw of the tasks created in earlier blocks, as its own transaction (on a busy
    /// network the next block's first createTask, validation or registry change does it instead).
    function _measureSettle(string memory name) private returns (uint256 txGas) {
        _cool();
        tm.settleDraws();
        uint256 gas = vm.snapshotGasLastCall(GROUP, string.concat(name, "_exec"));
        txGas = _record(name, gas, abi.encodeCall(ITaskManager.settleDraws, ()));
    }

    // ------------------------------------------------------------------ createTask is flat in the node count

    function _createAt(uint256 nodeCount) private returns (uint256 txGas) {
        _deploy(nodeCount);
        (, txGas) = _measureCreate(1, string.concat("createTask_nodes_", vm.toString(nodeCount)));
        _nextBlock();
        txGas += _measureSettle(string.concat("settleDraws_nodes_", vm.toString(nodeCount)));
    }

    function test_bench_createTask_10() public {
        _createAt(10);
    }

    function test_bench_createTask_1000() public {
        _createAt(1000);
    }

    function test_bench_createTask_100000() public {
        _createAt(100_000);
    }

    // ------------------------------------------------------------------ happy paths

    function _unsampled(uint256 i, string memory prefix) private returns (uint256 total) {
        (bytes32 key, uint256 createGas) = _measureCreate(i, string.concat(prefix, "_createTask"));
        _nextBlock();
        createGas += _measureSettle(string.concat(prefix, "_settleDraws"));
        _nextBlock();
        uint256 submitGas = _submit(key, _score(1), string.concat(prefix, "_submitScore"));
        _nextBlock();
        _cool();
        vm.prank(app);
        tm.validateSingleTask(key);
        uint256 gas = vm.snapshotGasLastCall(GROUP, string.concat(prefix, "_validateSingleTask_exec"));
        uint256 validateGas = _record(
            string.concat(prefix, "_validateSingleTask"), gas, abi.encodeCall(ITaskManager.validateSingleTask, (key))
        );
        total = createGas + submitGas + validateGas;
        vm.snapshotValue(GROUP, string.concat(prefix, "_total_tx"), total);
        _nextBlock();
    }

    /// @dev Forge reports gas before refunds (clearing a finished task's slots refunds about 10k on a real
    /// chain) and this node is paid for the first time (a fresh balance slot, 17k more than later payments).
    /// The ceiling guards against regressions; see docs/protocol.md for receipts measured on anvil.
    function test_bench_unsampledHappyPath() public {
        _deploy(1000);
        uint256 total = _unsampled(1, "unsampled");
        // 480k before review M1/M3 (476,820): the open-fee check at the draw (~800), the fee passed to the
        // registry at report and settlement, the going price moved to the paid ending (480,510 measured).
        assertLe(total, 485_000, "unsampled happy path regressed");
    }

    /// @dev A node that was paid before and has not withdrawn yet: its balance slot is warm in value.
    function test_bench_unsampledHappyPath_steadyState() public {
        // Two nodes: the warm-up task holds one, both measured tasks go to the other.
        _deploy(2);
        _unsampled(1, "unsampled_first");
        uint256 total = _unsampled(2, "unsampled_steady");
        // 300k was met before F1 (288,890); the draw in its own transaction (F1), the ResultAvailable check
        // (relay finding 3) and F6 (release at the report, unsettled count, going price, price floor: 365,980)
        // put it above: see docs/benchmarks/gas.md. Guards against regressions only.
        assertLe(total, 380_000, "unsampled happy path (steady state) regressed");
    }

    function test_bench_groupHappyPath() public {
        _deploy(1000);
        bytes32[3] memory keys;
        uint256 total;
        uint256 gas;
        (keys[0], gas) = _measureCreate(1, "group_createTask_original");
        total += gas;
        // The real proof's message becomes the original's seed.
        vmx.setBlockhash(block.number, vector.seed);
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
        total += _measureSettle("group_settleDraws_original");
        (keys[1], gas) = _measureCreate(2, "group_createTask_extra1");
        total += gas;
        (keys[2], gas) = _measureCreate(3, "group_createTask_extra2");
        total += gas;
        _nextBlock();
        total += _measureSettle("group_settleDraws_extras");
        _nextBlock();
        bytes[3] memory scores;
        bytes32[3] memory seeds;
        for (uint256 i = 0; i < 3; ++i) {
            seeds[i] = tm.samplingSeed(keys[i]);
            scores[i] = _score(1);
            total += _submit(keys[i], scores[i], string.concat("group_submitScore_", vm.toString(i)));
        }
        ITaskManager.GroupValidation memory g;
        g.taskKeys = keys;
        g.guid = GUID;
        g.argsHash = ARGS_HASH;
        for (uint256 i = 0; i < 3; ++i) {
            g.nonces[i] = keccak256(abi.encode("nonce", i + 1));
            g.salts[i] = keccak256(abi.encode("salt", i + 1));
        }
        g.scores = scores;
        g.seeds = seeds;
        g.modelIds = _models();
        g.minVram = 8;
        g.version = VERSION;
        g.vrfProof = vector.proof;
        g.publicKey = appPublicKey;
        g.uPoint = vector.uPoint;
        g.vComponents = vector.vComponents;
        _nextBlock();
        _cool();
        vm.prank(app);
        tm.validateTaskGroup(g);
        gas = vm.snapshotGasLastCall(GROUP, "group_validateTaskGroup_exec");
        total += _record("group_validateTaskGroup", gas, abi.encodeCall(ITaskManager.validateTaskGroup, (g)));
        assertEq(uint256(tm.getTask(keys[0]).state), uint256(ITaskManager.TaskState.EndGroupSuccess));
        vm.snapshotValue(GROUP, "group_total_tx", total);
        assertLe(total, 1_500_000, "validation group over 1.5M gas");
    }
}
