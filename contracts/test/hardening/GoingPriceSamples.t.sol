// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";
import {VmExt} from "../task/utils/VmExt.sol";

/// @notice Adversarial review (s5) GoingPriceSelfDealing: an app that also runs nodes pinned its tasks to a GPU
/// name only its own nodes declare (`requiredGpu`, self-declared at join), paid 2x the going price, validated
/// alone and was paid back by its own nodes: the going price rose 12.5 % per task for gas only (45 tasks:
/// 0.01 -> 2 ETH), and with M3 an honest app paying the default fee could then only be served by the attacker.
/// Only tasks drawn from the whole able pool are going-price samples now.
contract GoingPriceSamplesTest is TaskManagerTestBase {
    string internal constant EVIL_GPU = "Evil GPU 9000";
    address[] internal evil;

    function _joinEvil(uint256 key) internal returns (address node) {
        VmExt.Wallet memory wallet = vmx.createWallet(key);
        node = wallet.addr;
        vm.deal(node, 1000 ether);
        bytes32[] memory models = new bytes32[](1);
        models[0] = MODEL;
        vm.prank(node);
        registry.join{value: 100 ether}(
            EVIL_GPU, 80, VERSION, abi.encodePacked(wallet.publicKeyX, wallet.publicKeyY), address(0), models
        );
        evil.push(node);
    }

    function _paidOnce(ITaskManager.CreateTaskParams memory p, uint256 fee, bytes memory score)
        internal
        returns (address node)
    {
        p = _attested(p, app); // before the prank: it calls the TaskManager
        vm.prank(app);
        bytes32 key = tm.createTask{value: fee}(p);
        _settle();
        node = _node(key);
        _submit(key, score);
        vm.prank(app);
        tm.validateSingleTask(key);
    }

    function test_regression_pinnedTasksDoNotMoveTheGoingPrice() public {
        registry.setMinExactBucket(4);
        for (uint256 i = 0; i < 4; ++i) {
            _joinEvil(uint256(keccak256(abi.encode("evil", i))));
        }
        // One honest paid task (open draw) sets the going price to FEE.
        _paidOnce(_params(0), FEE, _score(1));
        assertEq(tm.goingPrice(), FEE);

        uint256 spent;
        for (uint256 i = 1; i <= 45; ++i) {
            uint256 fee = 2 * tm.goingPrice();
            address node = _paidOnce(
                _paramsFor(i, ARGS_HASH, 1, keccak256(bytes(EVIL_GPU))), fee, abi.encodePacked(keccak256("llm"))
            );
            spent += fee;
            assertEq(registry.getNodeInfo(node).gpuId, keccak256(bytes(EVIL_GPU)), "pinned to own nodes");
        }
        uint256 back;
        for (uint256 i = 0; i < evil.length; ++i) {
            back += tm.owed(evil[i]);
        }
        assertEq(back, spent, "the attacker was paid by itself");
        assertEq(tm.goingPrice(), FEE, "a task pinned to a GPU is no going-price sample");

        // An image task asking for more VRAM than the SDK default (here only the attacker's 80 GiB nodes fit).
        ITaskManager.CreateTaskParams memory vram = _params(100);
        vram.minVram = 80;
        address big = _paidOnce(vram, 2 * FEE, _score(1));
        assertEq(registry.getNodeInfo(big).gpuId, keccak256(bytes(EVIL_GPU)));
        // An image task asking for a minor version above what the others run.
        ITaskManager.CreateTaskParams memory minor = _params(101);
        minor.version = VERSION | (uint64(1) << 16);
        minor = _attested(minor, app);
        vm.prank(app);
        bytes32 newer = tm.createTask{value: 2 * FEE}(minor);
        _settle();
        assertEq(uint8(_state(newer)), uint8(ITaskManager.TaskState.Queued), "no node runs 1.1.0 here");
        assertEq(tm.goingPrice(), FEE, "a task narrowed by VRAM or minor version is no sample either");

        // An open image task still moves it.
        _paidOnce(_params(102), 2 * FEE, _score(1));
        assertEq(tm.goingPrice(), FEE + FEE / 8);
    }
}
