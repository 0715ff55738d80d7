// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManager} from "../../src/task/TaskManager.sol";
import {TaskManagerTestBase} from "./utils/TaskManagerTestBase.sol";

/// @notice Single-task lifecycle: creation, selection, queue, scores, errors, validation, finalization,
/// timeouts, payments, parameters and the sampling seed.
contract TaskManagerTest is TaskManagerTestBase {
    // ------------------------------------------------------------------ createTask

    function test_createTask_startsOnANodeAndEscrowsTheFee() public {
        uint256 created = block.number;
        bytes32 key = _create(0);
        ITaskManager.TaskInfo memory info = tm.getTask(key);
        assertEq(uint256(info.state), uint256(ITaskManager.TaskState.Started));
        assertEq(info.creator, app);
        assertEq(info.fee, FEE);
        assertEq(info.seedBlock, created, "the seed block is the creation block");
        assertEq(address(tm).balance, FEE);
        assertEq(registry.currentTaskOf(info.node), key);
        assertEq(uint256(registry.getNodeInfo(info.node).status), uint256(INodeRegistry.NodeStatus.Busy));
    }

    function test_createTask_emitsCreatedAndStarted() public {
        ITaskManager.CreateTaskParams memory p = _params(0);
        vm.expectEmit(true, true, false, true, address(tm));
        emit ITaskManager.TaskCreated(p.taskIdCommitment, app, 0, FEE, p.argsCommitment, 1);
        _createWith(p);
    }

    /// @dev Finding 1: createTask draws nothing; the first transaction of a later block draws the node from
    /// the creation block's hash (a second settlement in the same block is a no-op).
    function test_createTask_leavesTheDrawToALaterBlock() public {
        bytes32 key = _createPending(_params(0));
        ITaskManager.TaskInfo memory info = tm.getTask(key);
        assertEq(uint256(info.state), uint256(ITaskManager.TaskState.Pending));
        assertEq(info.node, address(0));
        assertEq(tm.pendingDraws(), 1);
        assertEq(tm.settleDraws(), 0, "nothing is drawn in the creation block");
        assertEq(tm.samplingSeed(key), bytes32(0));
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.Pending));
        tm.abortTask(key);
        _nextBlock();
        assertEq(tm.settleDraws(), 1);
        assertEq(tm.settleDraws(), 0);
        assertEq(tm.pendingDraws(), 0);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.Started));
        assertEq(info.seedBlock, block.number - 1);
    }

    function test_createTask_queuesWhenNoNodeFits() public {
        ITaskManager.CreateTaskParams memory p = _paramsFor(0, ARGS_HASH, 1, keccak256("H100"));
        bytes32 key = _createPending(p);
        _nextBlock();
        vm.expectEmit(true, false, false, false, address(tm));
        emit ITaskManager.TaskQueued(p.taskIdCommitment);
        tm.settleDraws();
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.Queued));
        assertEq(tm.queueHead(), key);
        assertEq(_node(key), address(0));
    }

    function test_createTask_revertsOnInvalidTaskType() public {
        ITaskManager.CreateTaskParams memory p = _params(0);
        p.taskType = 3;
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidTaskType.selector, uint8(3)));
        tm.createTask{value: FEE}(p);
    }

    function test_createTask_revertsWithoutModels() public {
        ITaskManager.CreateTaskParams memory p = _params(0);
        p.modelIds = new bytes32[](0);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidModelCount.selector, 0));
        tm.createTask{value: FEE}(p);
    }

    function test_createTask_revertsWithTooManyModels() public {
        ITaskManager.CreateTaskParams memory p = _params(0);
        p.modelIds = new bytes32[](9);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidModelCount.selector, 9));
        tm.createTask{value: FEE}(p);
    }

    function test_createTask_revertsForLlmWithoutGpu() public {
        ITaskManager.CreateTaskParams memory p = _paramsFor(0, ARGS_HASH, 1, bytes32(0));
        vm.prank(app);
        vm.expectRevert(ITaskManager.GpuRequiredForLlm.selector);
        tm.createTask{value: FEE}(p);
    }

    function test_createTask_revertsOnZeroCommitment() public {
        ITaskManager.CreateTaskParams memory p = _params(0);
        p.argsCommitment = bytes32(0);
        vm.prank(app);
        vm.expectRevert(ITaskManager.ZeroCommitment.selector);
        tm.createTask{value: FEE}(p);
    }

    /// @dev Mutation survivor "fees above 2^96 accepted" (session 5): such a fee would be cut to its low 96 bits
    /// in the task's fee field, and the rest would stay in the contract, owed to nobody.
    function test_createTask_revertsOnAFeeAbove96Bits() public {
        uint256 fee = uint256(type(uint96).max) + 1;
        vm.deal(app, fee);
        ITaskManager.CreateTaskParams memory p = _attested(_params(0), app);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.FeeTooHigh.selector, fee));
        tm.createTask{value: fee}(p);
    }

    function test_createTask_revertsBelowMinFee() public {
        tm.setMinFee(1 ether);
        ITaskManager.CreateTaskParams memory p = _params(0);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.FeeTooLow.selector, FEE, 1 ether));
        tm.createTask{value: FEE}(p);
    }

    function test_createTask_revertsOnReusedKey() public {
        bytes32 key = _create(0);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.TaskExists.selector, key));
        tm.createTask{value: FEE}(_params(0));
    }

    // ------------------------------------------------------------------ submitScore / reportTaskError

    function test_submitScore_storesHashAndEmitsScore() public {
        bytes32 key = _create(0);
        _nextBlock();
        address node = _node(key);
        bytes32 before = tm.getTask(key).commitment;
        bytes32 seed = blockhash(tm.getTask(key).seedBlock);
        vm.expectEmit(true, true, false, true, address(tm));
        emit ITaskManager.TaskScoreReady(key, node, seed, _score(1));
        _submit(key, _score(1));
        ITaskManager.TaskInfo memory info = tm.getTask(key);
        assertEq(uint256(info.state), uint256(ITaskManager.TaskState.ScoreReady));
        assertEq(info.commitment, keccak256(abi.encodePacked(before, seed, keccak256(_score(1)))));
        assertEq(info.reportOrder, block.timestamp << 16);
        assertEq(info.stateTime, block.timestamp);
    }

    function test_submitScore_revertsForAnotherCaller() public {
        bytes32 key = _create(0);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotTaskNode.selector, key, app));
        tm.submitScore(key, _score(1), _resultStatement(key, _score(1)));
    }

    function test_submitScore_revertsTwice() public {
        bytes32 key = _create(0);
        _submit(key, _score(1));
        address node = _node(key);
        vm.prank(node);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.ScoreReady)
        );
        tm.submitScore(key, _score(1), _resultStatement(key, _score(1)));
    }

    function test_submitScore_revertsOnImageScoreNotWholeBlocks() public {
        bytes32 key = _create(0);
        vm.prank(_node(key));
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidScoreLength.selector, uint8(0), 7));
        tm.submitScore(key, new bytes(7), _resultStatement(key, new bytes(7)));
    }

    /// @dev A drawn task's node is known only after its seed block. A queued task that fits a freed node is drawn
    /// again from the dispatch block's hash (review M2): in that block it has no node, so nobody can answer it.
    function test_submitScore_revertsInTheStartBlock() public {
        bytes32 key = _createWith(_paramsFor(0, ARGS_HASH, 0, bytes32(0)));
        _create(1);
        _create(2);
        bytes32 queued = _create(3);
        assertEq(uint256(_state(queued)), uint256(ITaskManager.TaskState.Queued));
        address node = _node(key);
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
        assertEq(tm.getTask(queued).seedBlock, block.number, "redrawn from this block");
        assertEq(_node(queued), address(0), "no node before the draw");
        vm.prank(node);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidState.selector, queued, ITaskManager.TaskState.Pending)
        );
        tm.submitScore(queued, _score(1), _resultStatement(queued, _score(1)));
        uint256 redrawn = block.number;
        _settle();
        assertEq(_node(queued), node, "the only available node");
        assertEq(tm.getTask(queued).seedBlock, redrawn);
        assertEq(tm.samplingSeed(queued), blockhash(redrawn));
    }

    function test_submitScore_revertsPast256BlocksUnlessTheSeedWasRecorded() public {
        bytes32 key = _create(0);
        uint256 started = tm.getTask(key).seedBlock;
        vm.roll(started + 257);
        address node = _node(key);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.SeedUnavailable.selector, key, started, started + 257));
        tm.submitScore(key, _score(1), _resultStatement(key, _score(1)));
        bytes32 other = _create(1);
        _nextBlock();
        tm.recordSamplingSeed(other);
        vm.roll(block.number + 300);
        _submit(other, _score(1));
        assertEq(uint256(_state(other)), uint256(ITaskManager.TaskState.ScoreReady));
    }

    function test_recordSamplingSeed_revertsWhileQueued() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, keccak256("H100")));
        _nextBlock();
        assertEq(tm.samplingSeed(q), bytes32(0), "no seed before a node is found");
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidState.selector, q, ITaskManager.TaskState.Queued));
        tm.recordSamplingSeed(q);
    }

    function test_queue_dispatchFixesANewSeedBlock() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, keccak256("H100")));
        vm.roll(block.number + 500);
        address node = _joinNode(4244, "H100");
        vm.prank(node);
        tm.dispatchQueued(node);
        assertEq(tm.getTask(q).seedBlock, block.number);
        uint256 dispatched = block.number;
        _settle();
        assertEq(_node(q), node);
        assertEq(tm.samplingSeed(q), blockhash(dispatched));
        _submit(q, abi.encodePacked(sha256("text")));
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.ScoreReady));
    }

    function test_submitScore_revertsOnEmptyScore() public {
        bytes32 key = _create(0);
        vm.prank(_node(key));
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidScoreLength.selector, uint8(0), 0));
        tm.submitScore(key, "", _resultStatement(key, ""));
    }

    function test_submitScore_revertsOnLlmScoreNot32Bytes() public {
        bytes32 key = _createWith(_paramsFor(0, ARGS_HASH, 1, keccak256(bytes(GPU))));
        vm.prank(_node(key));
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidScoreLength.selector, uint8(1), 16));
        tm.submitScore(key, new bytes(16), _resultStatement(key, new bytes(16)));
    }

    function test_reportTaskError_movesToErrorReported() public {
        bytes32 key = _create(0);
        address node = _node(key);
        uint256 started = tm.getTask(key).seedBlock;
        _nextBlock();
        vm.expectEmit(true, true, false, true, address(tm));
        emit ITaskManager.TaskErrorReported(key, node, blockhash(started), 1);
        _reportError(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.ErrorReported));
    }

    function test_reportTaskError_revertsOnUnknownCode() public {
        bytes32 key = _create(0);
        vm.prank(_node(key));
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidErrorCode.selector, uint8(9)));
        tm.reportTaskError(key, 9);
    }

    function test_reportTaskError_revertsForAnotherCaller() public {
        bytes32 key = _create(0);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotTaskNode.selector, key, app));
        tm.reportTaskError(key, 1);
    }

    // ------------------------------------------------------------------ validateSingleTask / finalizeTask

    function test_validateSingleTask_paysTheNodeAndFreesIt() public {
        bytes32 key = _create(0);
        address node = _node(key);
        _submit(key, _score(1));
        uint16 qosBefore = registry.qosScoreOf(node);
        vm.expectEmit(true, true, false, true, address(tm));
        emit ITaskManager.TaskEndSuccess(key, node, node, FEE);
        vm.prank(app);
        tm.validateSingleTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndSuccess));
        assertEq(tm.owed(node), FEE);
        assertEq(tm.owed(app), 0);
        assertEq(uint256(registry.getNodeInfo(node).status), uint256(INodeRegistry.NodeStatus.Available));
        assertEq(registry.currentTaskOf(node), bytes32(0));
        assertGe(registry.qosScoreOf(node), qosBefore);
        // What a refund no longer needs is gone.
        ITaskManager.TaskInfo memory info = tm.getTask(key);
        assertEq(info.fee, 0);
        assertEq(info.commitment, bytes32(0));
    }

    function test_validateSingleTask_paysTheBeneficiary() public {
        VmExtWalletHelper helper = new VmExtWalletHelper();
        (address node, bytes memory publicKey) = helper.wallet(VmExtLike(address(vmx)), 777);
        for (uint256 i = 0; i < nodes.length; ++i) {
            vm.prank(nodes[i]);
            registry.pause();
        }
        address beneficiary = makeAddr("beneficiary");
        bytes32[] memory models = new bytes32[](1);
        models[0] = MODEL;
        vm.deal(node, 2 ether);
        vm.prank(node);
        registry.join{value: MIN_STAKE}(GPU, 24, VERSION, publicKey, beneficiary, models);
        bytes32 key = _create(0);
        assertEq(_node(key), node);
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
        assertEq(tm.owed(beneficiary), FEE);
        assertEq(tm.owed(node), 0);
    }

    function test_validateSingleTask_refundsAnAcceptedError() public {
        bytes32 key = _create(0);
        address node = _node(key);
        _reportError(key);
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.TaskEndAborted(key, ITaskManager.AbortReason.ErrorAccepted, FEE);
        vm.prank(app);
        tm.validateSingleTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.owed(app), FEE);
        assertEq(tm.owed(node), 0);
        assertEq(uint256(registry.getNodeInfo(node).status), uint256(INodeRegistry.NodeStatus.Available));
    }

    function test_validateSingleTask_revertsForAnotherCaller() public {
        bytes32 key = _create(0);
        address node = _node(key);
        _submit(key, _score(1));
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotTaskCreator.selector, key, node));
        tm.validateSingleTask(key);
    }

    function test_validateSingleTask_revertsBeforeAScore() public {
        bytes32 key = _create(0);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.Started));
        tm.validateSingleTask(key);
    }

    function test_finalizeTask_anyonePaysTheNodeWhenTheAppIsSilent() public {
        bytes32 key = _create(0);
        address node = _node(key);
        _submit(key, _score(1));
        uint256 deadline = block.timestamp + tm.validationWindow();
        address stranger = makeAddr("stranger");
        vm.warp(deadline - 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlineNotReached.selector, key, deadline));
        tm.finalizeTask(key);
        vm.warp(deadline);
        vm.prank(stranger);
        tm.finalizeTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndSuccess));
        assertEq(tm.owed(node), FEE);
    }

    function test_finalizeTask_refundsAnUnansweredErrorReport() public {
        bytes32 key = _create(0);
        _reportError(key);
        vm.warp(block.timestamp + tm.validationWindow());
        tm.finalizeTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.owed(app), FEE);
    }

    function test_finalizeTask_revertsOnARunningTask() public {
        bytes32 key = _create(0);
        vm.warp(block.timestamp + tm.validationWindow());
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.Started));
        tm.finalizeTask(key);
    }

    // ------------------------------------------------------------------ abortTask and the queue

    function test_abortTask_nodeSilentTimesOut() public {
        bytes32 key = _create(0);
        address node = _node(key);
        uint256 deadline = block.timestamp + tm.timeout(0);
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlineNotReached.selector, key, deadline));
        tm.abortTask(key);
        vm.warp(deadline);
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.TaskEndAborted(key, ITaskManager.AbortReason.ExecutionTimeout, FEE);
        vm.prank(makeAddr("anyone"));
        tm.abortTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.owed(app), FEE);
        assertEq(registry.consecutiveTimeoutsOf(node), 1);
        assertEq(uint256(registry.getNodeInfo(node).status), uint256(INodeRegistry.NodeStatus.Available));
    }

    function test_abortTask_queuedTimesOut() public {
        bytes32 key = _createWith(_paramsFor(0, ARGS_HASH, 1, keccak256("H100")));
        vm.warp(block.timestamp + tm.timeout(1));
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.TaskEndAborted(key, ITaskManager.AbortReason.QueuedTimeout, FEE);
        tm.abortTask(key);
        assertEq(tm.queueHead(), bytes32(0));
        assertEq(tm.owed(app), FEE);
    }

    function test_abortTask_appCancelsAQueuedTask() public {
        bytes32 key = _createWith(_paramsFor(0, ARGS_HASH, 1, keccak256("H100")));
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.DeadlineNotReached.selector, key, block.timestamp + tm.timeout(1))
        );
        tm.abortTask(key);
        vm.prank(app);
        tm.abortTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.owed(app), FEE);
    }

    function test_abortTask_revertsOnAScoredTask() public {
        bytes32 key = _create(0);
        _submit(key, _score(1));
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.ScoreReady)
        );
        tm.abortTask(key);
    }

    function test_queue_dispatchesToTheReleasedNodeInFifoOrder() public {
        bytes32 a = _create(0);
        bytes32 b = _create(1);
        bytes32 c = _create(2);
        bytes32 q1 = _create(3);
        bytes32 q2 = _create(4);
        assertEq(uint256(_state(q1)), uint256(ITaskManager.TaskState.Queued));
        assertEq(uint256(_state(q2)), uint256(ITaskManager.TaskState.Queued));
        assertEq(tm.queueHead(), q1);
        address node = _node(b);
        // Finding 6: the node is free at its report; the queue head that fits it is drawn again (review M2), and
        // keeps its place until its draw.
        _submit(b, _score(1));
        assertEq(uint256(_state(q1)), uint256(ITaskManager.TaskState.Pending));
        assertEq(uint256(_state(q2)), uint256(ITaskManager.TaskState.Queued));
        assertEq(tm.queueHead(), q1);
        assertEq(uint256(registry.getNodeInfo(node).status), uint256(INodeRegistry.NodeStatus.Available));
        _settle();
        assertEq(uint256(_state(q1)), uint256(ITaskManager.TaskState.Started));
        assertEq(_node(q1), node, "the only available node");
        assertEq(registry.currentTaskOf(node), q1);
        assertEq(tm.queueHead(), q2);
        // The dispatched task's timeout starts at the draw that started it.
        assertEq(tm.getTask(q1).stateTime, block.timestamp);
        vm.prank(app);
        tm.validateSingleTask(b);
        assertEq(registry.currentTaskOf(node), q1, "the validation leaves the node on its new task");
        a;
        c;
    }

    function test_queue_skipsHeadsThatDoNotFit() public {
        _create(0);
        _create(1);
        bytes32 c = _create(2);
        bytes32 h100 = _createWith(_paramsFor(3, ARGS_HASH, 1, keccak256("H100")));
        bytes32 sd = _create(4);
        address node = _node(c);
        _submit(c, _score(1));
        vm.prank(app);
        tm.validateSingleTask(c);
        assertEq(uint256(_state(sd)), uint256(ITaskManager.TaskState.Pending));
        _settle();
        assertEq(uint256(_state(h100)), uint256(ITaskManager.TaskState.Queued));
        assertEq(_node(sd), node);
        assertEq(tm.queueHead(), h100);
        assertEq(tm.queueNext(h100), bytes32(0));
    }

    function test_queue_unlinksAMiddleEntryOnTimeout() public {
        _create(0);
        _create(1);
        _create(2);
        bytes32 q1 = _create(3);
        bytes32 q2 = _create(4);
        bytes32 q3 = _create(5);
        vm.prank(app);
        tm.abortTask(q2);
        assertEq(tm.queueHead(), q1);
        assertEq(tm.queueNext(q1), q3);
    }

    function test_dispatchQueued_handsAQueuedTaskToANewNode() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, keccak256("H100")));
        address node = _joinNode(4242, "H100");
        vm.prank(node);
        bytes32 redrawn = tm.dispatchQueued(node);
        assertEq(redrawn, q);
        vm.prank(node);
        assertEq(tm.dispatchQueued(node), bytes32(0), "a task waiting for its redraw is skipped");
        _settle();
        assertEq(_node(q), node);
        vm.prank(node);
        assertEq(tm.dispatchQueued(node), bytes32(0));
    }

    function test_queue_probesAtMostThreeHeads() public {
        _create(0);
        _create(1);
        bytes32 c = _create(2);
        for (uint256 i = 3; i < 6; ++i) {
            _createWith(_paramsFor(i, ARGS_HASH, 1, keccak256("H100")));
        }
        bytes32 fitting = _create(6);
        _submit(c, _score(1));
        vm.prank(app);
        tm.validateSingleTask(c);
        assertEq(uint256(_state(fitting)), uint256(ITaskManager.TaskState.Queued), "fourth head not probed");
        address released = _node(c);
        vm.prank(released);
        assertEq(tm.dispatchQueued(released), bytes32(0), "released node holds nothing to do here");
    }

    function test_dispatchQueued_ignoresANodeThatDoesNotFit() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, keccak256("H100")));
        address other = _joinNode(4243, "A100");
        vm.prank(other);
        assertEq(tm.dispatchQueued(other), bytes32(0));
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.Queued));
    }

    // ------------------------------------------------------------------ withdraw

    function test_withdraw_reentrancyCannotPayTwice() public {
        ReentrantApp attacker = new ReentrantApp(tm);
        vm.deal(address(attacker), 1 ether);
        bytes32 key =
            attacker.create{value: FEE}(_attested(_paramsFor(77, ARGS_HASH, 1, keccak256("H100")), address(attacker)));
        _settle();
        attacker.cancel(key);
        assertEq(tm.owed(address(attacker)), FEE);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.WithdrawalFailed.selector, address(attacker), FEE));
        attacker.withdraw();
        assertEq(tm.owed(address(attacker)), FEE, "nothing paid, balance kept");
        assertEq(address(tm).balance, FEE);
    }

    function test_withdraw_paysOutOnce() public {
        bytes32 key = _create(0);
        address node = _node(key);
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
        uint256 before = node.balance;
        vm.prank(node);
        tm.withdraw();
        assertEq(node.balance, before + FEE);
        assertEq(address(tm).balance, 0);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NothingToWithdraw.selector, node));
        tm.withdraw();
    }

    // ------------------------------------------------------------------ sampling seed

    function test_samplingSeed_isTheCreationBlockHash() public {
        bytes32 key = _createPending(_params(0));
        assertEq(tm.samplingSeed(key), bytes32(0), "unknown in the creation block");
        uint256 created = block.number;
        _settle();
        bytes32 expected = blockhash(created);
        assertNotEq(expected, bytes32(0));
        assertEq(tm.samplingSeed(key), expected);
    }

    function test_recordSamplingSeed_keepsItPast256Blocks() public {
        uint256 created = block.number;
        bytes32 key = _create(0);
        bytes32 expected = blockhash(created);
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.SamplingSeedRecorded(key, expected);
        assertEq(tm.recordSamplingSeed(key), expected);
        vm.roll(block.number + 1000);
        assertEq(tm.samplingSeed(key), expected);
    }

    function test_recordSamplingSeed_revertsWhenUnreadable() public {
        uint256 created = block.number;
        bytes32 key = _createPending(_params(0));
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.Pending));
        tm.recordSamplingSeed(key);
        vm.roll(created + 1);
        tm.settleDraws();
        vm.roll(created + 257);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.SeedUnavailable.selector, key, created, created + 257));
        tm.recordSamplingSeed(key);
    }

    function test_submitScore_foldsTheSeedIntoTheCommitment() public {
        uint256 created = block.number;
        bytes32 key = _create(0);
        bytes32 start = tm.getTask(key).commitment;
        bytes32 expected = blockhash(created);
        _submit(key, _score(1));
        assertEq(tm.getTask(key).commitment, keccak256(abi.encodePacked(start, expected, keccak256(_score(1)))));
    }

    function test_submitScore_foldsARecordedSeedPast256Blocks() public {
        bytes32 key = _create(0);
        bytes32 start = tm.getTask(key).commitment;
        _nextBlock();
        bytes32 expected = tm.recordSamplingSeed(key);
        vm.roll(block.number + 400);
        _submit(key, _score(1));
        assertEq(tm.getTask(key).commitment, keccak256(abi.encodePacked(start, expected, keccak256(_score(1)))));
    }

    function test_submitScore_ordersReportsWithinOneSecond() public {
        bytes32 a = _create(0);
        bytes32 b = _create(1);
        bytes32 c = _create(2);
        _submit(b, _score(1));
        _reportError(c);
        _submit(a, _score(1));
        uint256 t = block.timestamp << 16;
        assertEq(tm.getTask(b).reportOrder, t);
        assertEq(tm.getTask(c).reportOrder, t + 1);
        assertEq(tm.getTask(a).reportOrder, t + 2);
        vm.warp(block.timestamp + 1);
        bytes32 d = _create(3);
        // Finding 6: the nodes are free since their reports.
        assertEq(uint256(_state(d)), uint256(ITaskManager.TaskState.Started));
        _submit(d, _score(1));
        assertEq(tm.getTask(d).reportOrder, (block.timestamp << 16), "rank restarts each second");
    }

    // ------------------------------------------------------------------ parameters

    function test_setSamplingDenominator_boundsAndEvent() public {
        vm.expectEmit(false, false, false, true, address(tm));
        emit ITaskManager.SamplingDenominatorSet(20);
        tm.setSamplingDenominator(20);
        assertEq(tm.samplingDenominator(), 20);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ParameterOutOfRange.selector, 1, 2, 1000));
        tm.setSamplingDenominator(1);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ParameterOutOfRange.selector, 1001, 2, 1000));
        tm.setSamplingDenominator(1001);
    }

    function test_constructor_defaultHammingThresholdIsTheStudiedOne() public view {
        assertEq(tm.hammingThreshold(), 12);
        assertEq(tm.hammingThreshold(), 12, "DEFAULT_HAMMING_THRESHOLD");
    }

    function test_setHammingThreshold_bounds() public {
        tm.setHammingThreshold(24);
        assertEq(tm.hammingThreshold(), 24);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ParameterOutOfRange.selector, 33, 0, 32));
        tm.setHammingThreshold(33);
    }

    function test_setTimeout_keepsTheValidationWindowLongEnough() public {
        tm.setTimeout(0, 30 minutes);
        assertEq(tm.timeout(0), 30 minutes);
        uint256 maxTimeout = (tm.validationWindow() - 10 minutes) / 2;
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.ParameterOutOfRange.selector, maxTimeout + 1, 1 minutes, maxTimeout)
        );
        tm.setTimeout(2, maxTimeout + 1);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidTaskType.selector, uint8(3)));
        tm.setTimeout(3, 30 minutes);
    }

    function test_setValidationWindow_mustCoverTwoTimeouts() public {
        uint256 minimum = 2 * tm.timeout(2) + 10 minutes;
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.ParameterOutOfRange.selector, minimum - 1, minimum, 30 days)
        );
        tm.setValidationWindow(minimum - 1);
        tm.setValidationWindow(minimum);
        assertEq(tm.validationWindow(), minimum);
    }

    function test_setMinFee_andRelaySigner() public {
        tm.setMinFee(5);
        assertEq(tm.minFee(), 5);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ParameterOutOfRange.selector, 0, 1, 1000 ether));
        tm.setMinFee(0);
        address relay = makeAddr("relay");
        vm.expectEmit(false, false, false, true, address(tm));
        emit ITaskManager.RelaySignerSet(relay);
        tm.setRelaySigner(relay);
        assertEq(tm.relaySigner(), relay);
    }

    function test_setters_revertForNonOwner() public {
        vm.startPrank(app);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        tm.setSamplingDenominator(20);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        tm.setHammingThreshold(20);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        tm.setTimeout(0, 20 minutes);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        tm.setValidationWindow(5 hours);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        tm.setMinFee(1);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        tm.setRelaySigner(app);
        vm.stopPrank();
    }
}

/// @dev An app whose receive hook tries to withdraw again.
contract ReentrantApp {
    TaskManager internal immutable tm;

    constructor(TaskManager tm_) {
        tm = tm_;
    }

    function create(ITaskManager.CreateTaskParams calldata p) external payable returns (bytes32) {
        return tm.createTask{value: msg.value}(p);
    }

    function cancel(bytes32 key) external {
        tm.abortTask(key);
    }

    function withdraw() external {
        tm.withdraw();
    }

    receive() external payable {
        tm.withdraw();
    }
}

/// @dev Keeps the wallet cheatcode's struct out of the test's stack.
contract VmExtWalletHelper {
    function wallet(VmExtLike cheats, uint256 key) external returns (address addr, bytes memory publicKey) {
        VmExtLike.Wallet memory w = cheats.createWallet(key);
        return (w.addr, abi.encodePacked(w.publicKeyX, w.publicKeyY));
    }
}

interface VmExtLike {
    struct Wallet {
        address addr;
        uint256 publicKeyX;
        uint256 publicKeyY;
        uint256 privateKey;
    }

    function createWallet(uint256 privateKey) external returns (Wallet memory wallet);
}
