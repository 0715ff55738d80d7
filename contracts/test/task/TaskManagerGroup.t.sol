// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "./utils/TaskManagerTestBase.sol";

/// @notice Validation groups: every row of the outcome table, the openings, the VRF check, and the
/// regressions of the reference contracts' defects.
contract TaskManagerGroupTest is TaskManagerTestBase {
    uint8 internal constant SCORE = 0;
    uint8 internal constant ERROR = 1;
    uint8 internal constant SILENT = 2;

    bytes32[3] internal keys;
    address[3] internal groupNodes;
    bytes[3] internal scores;

    /// @dev Creates a group, lets members report (`kinds`, scores of `variants`) in `order`, times out the
    /// silent ones and returns the opening.
    function _play(uint8[3] memory kinds, uint256[3] memory variants, uint256[3] memory order)
        internal
        returns (ITaskManager.GroupValidation memory g)
    {
        keys = _createGroup();
        for (uint256 i = 0; i < 3; ++i) {
            groupNodes[i] = _node(keys[i]);
        }
        _nextBlock();
        for (uint256 n = 0; n < 3; ++n) {
            uint256 i = order[n];
            if (kinds[i] == SCORE) {
                scores[i] = _score(variants[i]);
                _submit(keys[i], scores[i]);
            } else if (kinds[i] == ERROR) {
                _reportError(keys[i]);
            }
            _nextBlock();
        }
        bool anySilent;
        for (uint256 i = 0; i < 3; ++i) {
            if (kinds[i] == SILENT) anySilent = true;
        }
        if (anySilent) {
            vm.warp(block.timestamp + tm.timeout(0));
            for (uint256 i = 0; i < 3; ++i) {
                if (kinds[i] == SILENT) tm.abortTask(keys[i]);
            }
        }
        g = _group(keys, _ids(), scores);
    }

    function _inOrder() internal pure returns (uint256[3] memory) {
        return [uint256(0), 1, 2];
    }

    function _assertState(uint256 i, ITaskManager.TaskState expected) internal view {
        assertEq(uint256(_state(keys[i])), uint256(expected), "member state");
    }

    function _assertNobodySlashed() internal view {
        assertEq(address(pool).balance, 0, "nobody slashed");
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(registry.getNodeInfo(groupNodes[i]).stake, MIN_STAKE, "stake kept");
        }
    }

    function _assertSlashed(uint256 i) internal view {
        assertEq(address(pool).balance, MIN_STAKE, "one stake in the pool");
        assertEq(uint256(registry.getNodeInfo(groupNodes[i]).status), uint256(INodeRegistry.NodeStatus.Quit));
        assertEq(registry.getNodeInfo(groupNodes[i]).stake, 0);
    }

    // ------------------------------------------------------------------ all results agree

    function test_validateTaskGroup_allMatchPaysTheOriginalOnce() public {
        ITaskManager.GroupValidation memory g = _play([SCORE, SCORE, SCORE], [uint256(1), 1, 1], _inOrder());
        _validateGroup(g);
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
        _assertState(1, ITaskManager.TaskState.EndGroupRefund);
        _assertState(2, ITaskManager.TaskState.EndGroupRefund);
        assertEq(tm.owed(groupNodes[0]), FEE);
        assertEq(tm.owed(groupNodes[1]), 0);
        assertEq(tm.owed(groupNodes[2]), 0);
        assertEq(tm.owed(app), 2 * FEE);
        _assertNobodySlashed();
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(uint256(registry.getNodeInfo(groupNodes[i]).status), uint256(INodeRegistry.NodeStatus.Available));
        }
    }

    function test_validateTaskGroup_nearImageScoresMatchWithinTheThreshold() public {
        keys = _createGroup();
        _nextBlock();
        scores[0] = _score(1);
        scores[1] = _nearScore(1, tm.hammingThreshold());
        scores[2] = _nearScore(1, 3);
        for (uint256 i = 0; i < 3; ++i) {
            groupNodes[i] = _node(keys[i]);
            _submit(keys[i], scores[i]);
        }
        _validateGroup(_group(keys, _ids(), scores));
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
        _assertNobodySlashed();
    }

    function test_validateTaskGroup_oneBitPastTheThresholdIsSlashed() public {
        keys = _createGroup();
        _nextBlock();
        scores[0] = _score(1);
        scores[1] = _score(1);
        scores[2] = _nearScore(1, tm.hammingThreshold() + 1);
        for (uint256 i = 0; i < 3; ++i) {
            groupNodes[i] = _node(keys[i]);
            _submit(keys[i], scores[i]);
        }
        _validateGroup(_group(keys, _ids(), scores));
        _assertState(2, ITaskManager.TaskState.EndInvalidated);
        _assertSlashed(2);
    }

    // ------------------------------------------------------------------ one cheater

    function test_validateTaskGroup_cheaterOriginalIsSlashedAndEarliestWinnerPaid() public {
        // Member 2 submits before member 1: it is the one paid (real order, not argument order).
        ITaskManager.GroupValidation memory g = _play([SCORE, SCORE, SCORE], [uint256(9), 1, 1], [uint256(0), 2, 1]);
        _validateGroup(g);
        _assertState(0, ITaskManager.TaskState.EndInvalidated);
        _assertState(1, ITaskManager.TaskState.EndGroupRefund);
        _assertState(2, ITaskManager.TaskState.EndGroupSuccess);
        _assertSlashed(0);
        assertEq(tm.owed(groupNodes[2]), FEE);
        assertEq(tm.owed(groupNodes[1]), 0);
        assertEq(tm.owed(groupNodes[0]), 0);
        assertEq(tm.owed(app), 2 * FEE);
    }

    function test_validateTaskGroup_cheaterSecondIsSlashed() public {
        ITaskManager.GroupValidation memory g = _play([SCORE, SCORE, SCORE], [uint256(1), 9, 1], _inOrder());
        _validateGroup(g);
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
        _assertState(1, ITaskManager.TaskState.EndInvalidated);
        _assertState(2, ITaskManager.TaskState.EndGroupRefund);
        _assertSlashed(1);
        assertEq(tm.owed(groupNodes[0]), FEE);
        assertEq(tm.owed(app), 2 * FEE);
    }

    function test_validateTaskGroup_cheaterThirdIsSlashed() public {
        ITaskManager.GroupValidation memory g = _play([SCORE, SCORE, SCORE], [uint256(1), 1, 9], [uint256(2), 1, 0]);
        _validateGroup(g);
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
        _assertState(1, ITaskManager.TaskState.EndGroupRefund);
        _assertState(2, ITaskManager.TaskState.EndInvalidated);
        _assertSlashed(2);
        assertEq(tm.owed(groupNodes[0]), FEE);
    }

    // ------------------------------------------------------------------ errors against results

    function _errorAgainstTwoResults(uint256 errorAt) internal {
        uint8[3] memory kinds = [SCORE, SCORE, SCORE];
        kinds[errorAt] = ERROR;
        _validateGroup(_play(kinds, [uint256(1), 1, 1], _inOrder()));
        _assertState(errorAt, ITaskManager.TaskState.EndInvalidated);
        _assertSlashed(errorAt);
        uint256 paid = errorAt == 0 ? 1 : 0;
        _assertState(paid, ITaskManager.TaskState.EndGroupSuccess);
        assertEq(tm.owed(groupNodes[paid]), FEE);
        assertEq(tm.owed(app), 2 * FEE);
    }

    function test_validateTaskGroup_errorFirstAgainstTwoResultsIsSlashed() public {
        _errorAgainstTwoResults(0);
    }

    function test_validateTaskGroup_errorSecondAgainstTwoResultsIsSlashed() public {
        _errorAgainstTwoResults(1);
    }

    function test_validateTaskGroup_errorThirdAgainstTwoResultsIsSlashed() public {
        _errorAgainstTwoResults(2);
    }

    function _twoErrorsAgainstOneResult(uint256 resultAt) internal {
        uint8[3] memory kinds = [ERROR, ERROR, ERROR];
        kinds[resultAt] = SCORE;
        _validateGroup(_play(kinds, [uint256(1), 1, 1], _inOrder()));
        for (uint256 i = 0; i < 3; ++i) {
            if (i == resultAt) _assertState(i, ITaskManager.TaskState.EndInvalidated);
            else _assertState(i, ITaskManager.TaskState.EndAborted);
            assertEq(tm.owed(groupNodes[i]), 0);
        }
        _assertSlashed(resultAt);
        assertEq(tm.owed(app), 3 * FEE);
    }

    function test_validateTaskGroup_twoErrorsSlashAResultFirst() public {
        _twoErrorsAgainstOneResult(0);
    }

    function test_validateTaskGroup_twoErrorsSlashAResultSecond() public {
        _twoErrorsAgainstOneResult(1);
    }

    function test_validateTaskGroup_twoErrorsSlashAResultThird() public {
        _twoErrorsAgainstOneResult(2);
    }

    function test_validateTaskGroup_threeErrorsAbortAll() public {
        ITaskManager.GroupValidation memory g = _play([ERROR, ERROR, ERROR], [uint256(1), 1, 1], _inOrder());
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.TaskEndAborted(keys[0], ITaskManager.AbortReason.GroupErrorConfirmed, FEE);
        _validateGroup(g);
        for (uint256 i = 0; i < 3; ++i) {
            _assertState(i, ITaskManager.TaskState.EndAborted);
        }
        _assertNobodySlashed();
        assertEq(tm.owed(app), 3 * FEE);
    }

    function test_validateTaskGroup_allDifferentAbortsWithoutSlashing() public {
        ITaskManager.GroupValidation memory g = _play([SCORE, SCORE, SCORE], [uint256(1), 2, 3], _inOrder());
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.TaskEndAborted(keys[0], ITaskManager.AbortReason.GroupNoAgreement, FEE);
        _validateGroup(g);
        for (uint256 i = 0; i < 3; ++i) {
            _assertState(i, ITaskManager.TaskState.EndAborted);
            assertEq(uint256(registry.getNodeInfo(groupNodes[i]).status), uint256(INodeRegistry.NodeStatus.Available));
        }
        _assertNobodySlashed();
        assertEq(tm.owed(app), 3 * FEE);
    }

    function test_validateTaskGroup_twoDifferentResultsAndAnErrorAbortAll() public {
        _validateGroup(_play([SCORE, ERROR, SCORE], [uint256(1), 0, 2], _inOrder()));
        for (uint256 i = 0; i < 3; ++i) {
            _assertState(i, ITaskManager.TaskState.EndAborted);
        }
        _assertNobodySlashed();
    }

    // ------------------------------------------------------------------ two of three reported

    function test_validateTaskGroup_twoMatchingOfThreeSucceed() public {
        ITaskManager.GroupValidation memory g = _play([SCORE, SILENT, SCORE], [uint256(1), 0, 1], _inOrder());
        _validateGroup(g);
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
        _assertState(1, ITaskManager.TaskState.EndAborted);
        _assertState(2, ITaskManager.TaskState.EndGroupRefund);
        assertEq(tm.owed(groupNodes[0]), FEE);
        assertEq(tm.owed(app), 2 * FEE, "silent member refunded at its timeout, matching member in the group");
        _assertNobodySlashed();
    }

    function test_validateTaskGroup_originalSilentStartsNoGroup() public {
        ITaskManager.GroupValidation memory g = _play([SILENT, SCORE, SCORE], [uint256(0), 1, 1], [uint256(0), 2, 1]);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.OriginalNotReported.selector, keys[0]));
    }

    function test_validateTaskGroup_twoDifferentOfThreeAbortWithoutSlashing() public {
        _validateGroup(_play([SCORE, SCORE, SILENT], [uint256(1), 2, 0], _inOrder()));
        _assertState(0, ITaskManager.TaskState.EndAborted);
        _assertState(1, ITaskManager.TaskState.EndAborted);
        _assertNobodySlashed();
        assertEq(tm.owed(app), 3 * FEE);
    }

    function test_validateTaskGroup_resultAndErrorOfThreeAbortWithoutSlashing() public {
        _validateGroup(_play([ERROR, SILENT, SCORE], [uint256(0), 0, 1], _inOrder()));
        _assertState(0, ITaskManager.TaskState.EndAborted);
        _assertState(2, ITaskManager.TaskState.EndAborted);
        _assertNobodySlashed();
    }

    function test_validateTaskGroup_revertsWithOneReport() public {
        ITaskManager.GroupValidation memory g = _play([SCORE, SILENT, SILENT], [uint256(1), 0, 0], _inOrder());
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.TooFewReports.selector, 1));
        tm.validateTaskGroup(g);
    }

    function test_validateTaskGroup_llmScoresMustBeEqual() public {
        bytes32 gpu = keccak256(bytes(GPU));
        keys[0] = _createWith(_paramsFor(0, ARGS_HASH, 1, gpu));
        _nextBlock();
        keys[1] = _createWith(_paramsFor(1, ARGS_HASH, 1, gpu));
        keys[2] = _createWith(_paramsFor(2, ARGS_HASH, 1, gpu));
        scores[0] = abi.encodePacked(sha256("text"));
        scores[1] = abi.encodePacked(sha256("text"));
        scores[2] = abi.encodePacked(sha256("text") ^ bytes32(uint256(1)));
        for (uint256 i = 0; i < 3; ++i) {
            groupNodes[i] = _node(keys[i]);
            _submit(keys[i], scores[i]);
        }
        ITaskManager.GroupValidation memory g = _group(keys, _ids(), scores);
        g.requiredGpu = gpu;
        _validateGroup(g);
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
        _assertState(2, ITaskManager.TaskState.EndInvalidated);
        _assertSlashed(2);
    }

    // ------------------------------------------------------------------ bad openings

    function _scored() internal returns (ITaskManager.GroupValidation memory) {
        return _play([SCORE, SCORE, SCORE], [uint256(1), 1, 1], _inOrder());
    }

    function _expectGroupRevert(ITaskManager.GroupValidation memory g, bytes memory err) internal {
        vm.prank(app);
        vm.expectRevert(err);
        tm.validateTaskGroup(g);
    }

    function test_validateTaskGroup_revertsOnWrongNonce() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.nonces[1] = _nonce(7);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.TaskIdOpeningMismatch.selector, 1));
    }

    function test_validateTaskGroup_revertsOnWrongGuid() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.guid = keccak256("other guid");
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.TaskIdOpeningMismatch.selector, 0));
    }

    function test_validateTaskGroup_revertsOnWrongSalt() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.salts[2] = _salt(7);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.CommitmentOpeningMismatch.selector, 2));
    }

    function test_validateTaskGroup_revertsOnWrongArgsHash() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.argsHash = keccak256("other args");
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.CommitmentOpeningMismatch.selector, 0));
    }

    function test_validateTaskGroup_revertsOnWrongScore() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.scores[1] = _score(2);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.CommitmentOpeningMismatch.selector, 1));
    }

    function test_validateTaskGroup_revertsOnWrongNodeRequirements() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.minVram = 9;
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.CommitmentOpeningMismatch.selector, 0));
    }

    function test_validateTaskGroup_revertsOnAProofForAnotherSeed() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.vrfProof = _proof(keccak256("another seed"), true);
        (g.uPoint, g.vComponents) = vrf.helpers(g.vrfProof);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.InvalidVrfProof.selector));
    }

    function test_validateTaskGroup_revertsOnWrongHelperValues() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.uPoint[0] += 1;
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.InvalidVrfProof.selector));
    }

    function test_validateTaskGroup_revertsWhenNotSampled() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.vrfProof = _proof(tm.samplingSeed(keys[0]), false);
        (g.uPoint, g.vComponents) = vrf.helpers(g.vrfProof);
        bytes32 beta = vrf.proofToHash(g.vrfProof);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.NotSampled.selector, beta, 10));
    }

    function test_validateTaskGroup_denominatorIsReadAtValidation() public {
        ITaskManager.GroupValidation memory g = _scored();
        bytes32 beta = vrf.proofToHash(g.vrfProof);
        // A denominator that does not divide this output turns the same proof into "not sampled".
        uint256 d = 11;
        while (uint256(beta) % d == 0) ++d;
        tm.setSamplingDenominator(d);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.NotSampled.selector, beta, d));
    }

    function test_validateTaskGroup_revertsWhenTheKeyIsNotTheCallers() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.publicKey = abi.encodePacked(keccak256("x"), keccak256("y"));
        address keyAddress = address(uint160(uint256(keccak256(g.publicKey))));
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.PublicKeyNotCaller.selector, keyAddress, app));
    }

    function test_validateTaskGroup_revertsOnShortPublicKey() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.publicKey = new bytes(63);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.InvalidPublicKey.selector, 63));
    }

    function test_validateTaskGroup_revertsForAnotherCaller() public {
        ITaskManager.GroupValidation memory g = _scored();
        address stranger = address(uint160(uint256(keccak256(g.publicKey))));
        vm.prank(groupNodes[0]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.PublicKeyNotCaller.selector, stranger, groupNodes[0]));
        tm.validateTaskGroup(g);
    }

    function test_validateTaskGroup_revertsOnAMemberOfAnotherApp() public {
        keys[0] = _create(0);
        _nextBlock();
        keys[1] = _create(1);
        address other = makeAddr("other app");
        vm.deal(other, 1 ether);
        ITaskManager.CreateTaskParams memory p = _attested(_params(2), other);
        vm.prank(other);
        keys[2] = tm.createTask{value: FEE}(p);
        _settle();
        for (uint256 i = 0; i < 3; ++i) {
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        _expectGroupRevert(
            _group(keys, _ids(), scores), abi.encodeWithSelector(ITaskManager.NotTaskCreator.selector, keys[2], app)
        );
    }

    function test_validateTaskGroup_revertsOnAMemberCreatedWithTheOriginal() public {
        keys[0] = _createPending(_params(0));
        keys[1] = _createPending(_params(1));
        _settle();
        keys[2] = _create(2);
        _nextBlock();
        for (uint256 i = 0; i < 3; ++i) {
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        uint256 created = tm.getTask(keys[0]).seedBlock;
        _expectGroupRevert(
            _group(keys, _ids(), scores),
            abi.encodeWithSelector(ITaskManager.MemberCreatedTooEarly.selector, 1, created, created)
        );
    }

    function test_validateTaskGroup_revertsOnADuplicateMember() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.taskKeys[2] = g.taskKeys[1];
        g.nonces[2] = g.nonces[1];
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.DuplicateGroupMember.selector, 2));
    }

    function test_validateTaskGroup_revertsOnARunningMember() public {
        keys = _createGroup();
        _nextBlock();
        scores[0] = _score(1);
        scores[1] = _score(1);
        _submit(keys[0], scores[0]);
        _submit(keys[1], scores[1]);
        _expectGroupRevert(
            _group(keys, _ids(), scores),
            abi.encodeWithSelector(ITaskManager.GroupMemberState.selector, 2, ITaskManager.TaskState.Started)
        );
    }

    function test_validateTaskGroup_revertsOnAFinalizedMember() public {
        ITaskManager.GroupValidation memory g = _scored();
        vm.warp(block.timestamp + tm.validationWindow());
        tm.finalizeTask(keys[0]);
        _expectGroupRevert(
            g, abi.encodeWithSelector(ITaskManager.GroupMemberState.selector, 0, ITaskManager.TaskState.EndSuccess)
        );
    }

    function test_validateTaskGroup_revertsOnMixedTaskTypes() public {
        keys[0] = _create(0);
        _nextBlock();
        keys[1] = _create(1);
        keys[2] = _createWith(_paramsFor(2, ARGS_HASH, 2, bytes32(0)));
        _nextBlock();
        for (uint256 i = 0; i < 3; ++i) {
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        _expectGroupRevert(
            _group(keys, _ids(), scores), abi.encodeWithSelector(ITaskManager.GroupTaskTypeMismatch.selector, 2)
        );
    }

    function test_validateTaskGroup_anOriginalThatNeverReportedStartsNoGroupEvenLater() public {
        // The original timed out unanswered: its seed was readable to the app all along.
        ITaskManager.GroupValidation memory g = _play([SILENT, SCORE, SCORE], [uint256(0), 1, 1], _inOrder());
        vm.roll(block.number + 300);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.OriginalNotReported.selector, keys[0]));
    }

    function _finish(bytes32 key) internal {
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
    }

    function test_validateTaskGroup_queuedOriginalIsSampledOnItsDispatchSeed() public {
        bytes32 a = _create(10);
        bytes32 b = _create(11);
        bytes32 c = _create(12);
        keys[0] = _create(0);
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.Queued));
        _nextBlock();
        _finish(a);
        uint256 dispatched = block.number;
        assertEq(tm.getTask(keys[0]).seedBlock, dispatched, "seed block moved to the dispatch");
        // Review M2: drawn again from the dispatch block's hash, by a later block.
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.Pending));
        _settle();
        assertEq(tm.samplingSeed(keys[0]), blockhash(dispatched));
        _finish(b);
        _finish(c);
        keys[1] = _create(1);
        keys[2] = _create(2);
        for (uint256 i = 0; i < 3; ++i) {
            groupNodes[i] = _node(keys[i]);
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        _validateGroup(_group(keys, _ids(), scores));
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
    }

    function test_validateTaskGroup_revertsOnAMemberStartedBeforeTheQueuedOriginal() public {
        bytes32 a = _create(10);
        bytes32 b = _create(11);
        _create(12);
        keys[0] = _create(0);
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.Queued));
        // A node joins and nobody dispatches the queue: the next createTask draws it at once.
        _joinNode(999, GPU);
        _nextBlock();
        keys[1] = _create(1);
        assertEq(uint256(_state(keys[1])), uint256(ITaskManager.TaskState.Started));
        _nextBlock();
        _finish(a);
        _nextBlock();
        _finish(b);
        _nextBlock();
        keys[2] = _create(2);
        for (uint256 i = 0; i < 3; ++i) {
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        // The member got its node (and was created) before the original's seed existed.
        uint256 memberSeed = tm.getTask(keys[1]).seedBlock;
        uint256 originalSeed = tm.getTask(keys[0]).seedBlock;
        assertLt(memberSeed, originalSeed);
        _expectGroupRevert(
            _group(keys, _ids(), scores),
            abi.encodeWithSelector(ITaskManager.MemberCreatedTooEarly.selector, 1, memberSeed, originalSeed)
        );
    }

    // ------------------------------------------------------------------ regressions of the reference

    function test_regression_defect1_qosFollowsSubmissionOrderNotArgumentOrder() public {
        uint16 initial = registry.qosScoreOf(nodes[0]);
        // Submitted in the order 2, 0, 1.
        _validateGroup(_play([SCORE, SCORE, SCORE], [uint256(1), 1, 1], [uint256(2), 0, 1]));
        uint16 first = registry.qosScoreOf(groupNodes[2]);
        uint16 second = registry.qosScoreOf(groupNodes[0]);
        uint16 third = registry.qosScoreOf(groupNodes[1]);
        assertGt(first, second);
        assertGt(second, third);
        assertEq(first, initial + (10_000 - initial + 7) / 8, "fastest gets first-place points");
    }

    function test_regression_defect2_terminalStatesAreFinal() public {
        bytes32 key = _create(0);
        address node = _node(key);
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
        bytes memory err =
            abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.EndSuccess);
        vm.prank(app);
        vm.expectRevert(err);
        tm.validateSingleTask(key);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(err);
        tm.finalizeTask(key);
        vm.expectRevert(err);
        tm.abortTask(key);
        vm.prank(node);
        vm.expectRevert(err);
        tm.submitScore(key, _score(1), _resultStatement(key, _score(1)));
        vm.prank(node);
        vm.expectRevert(err);
        tm.reportTaskError(key, 1);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.TaskExists.selector, key));
        tm.createTask{value: FEE}(_params(0));
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndSuccess));
        assertEq(tm.owed(node), FEE, "paid once");
    }

    function test_regression_defect3_selectionIgnoresTheAppsCommitments() public {
        address expected;
        for (uint256 i = 0; i < 8; ++i) {
            uint256 snapshot = vmx.snapshotState();
            ITaskManager.CreateTaskParams memory p = _paramsFor(i, keccak256(abi.encode("args", i)), 0, bytes32(0));
            bytes32 key = _createWith(p);
            if (i == 0) expected = _node(key);
            assertEq(_node(key), expected, "same chain state, same node, whatever the app commits to");
            vmx.revertToState(snapshot);
        }
        // ...while the creation block's hash does move the selection (finding 1: drawn after it is sealed).
        bool moved;
        for (uint256 i = 0; i < 16 && !moved; ++i) {
            uint256 snapshot = vmx.snapshotState();
            blockhashSalt = keccak256(abi.encode("other chain", i));
            if (_node(_create(0)) != expected) moved = true;
            vmx.revertToState(snapshot);
        }
        assertTrue(moved, "the creation block's hash drives the selection");
    }

    function test_regression_defect4_groupEffectsSkipANodeThatMovedOn() public {
        ITaskManager.GroupValidation memory g = _play([SCORE, SCORE, SILENT], [uint256(1), 1, 0], _inOrder());
        address movedOn = groupNodes[2];
        // The silent node was released at its timeout and took another task (the two reporters, free since
        // their reports (finding 6), pause so that it is the one drawn).
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(groupNodes[i]);
            registry.pause();
        }
        bytes32 next = _create(10);
        assertEq(_node(next), movedOn);
        uint16 qos = registry.qosScoreOf(movedOn);
        _validateGroup(g);
        assertEq(registry.currentTaskOf(movedOn), next, "still on its new task");
        assertEq(uint256(registry.getNodeInfo(movedOn).status), uint256(INodeRegistry.NodeStatus.Busy));
        assertEq(registry.qosScoreOf(movedOn), qos, "no group QoS for it");
        assertEq(uint256(_state(next)), uint256(ITaskManager.TaskState.Started));
    }

    function test_regression_defect5_slashedStakeGoesToTheIncentivePool() public {
        uint256 ownerBefore = owner.balance;
        _validateGroup(_play([SCORE, SCORE, SCORE], [uint256(1), 9, 1], _inOrder()));
        assertEq(address(pool).balance, MIN_STAKE);
        assertEq(owner.balance, ownerBefore, "nothing to the deployer");
        assertEq(address(tm).balance, 3 * FEE, "fees stay owed in the TaskManager");
    }

    function test_regression_defect6_membersWithDifferentArgumentsCannotBeJudged() public {
        keys[0] = _create(0);
        _nextBlock();
        keys[1] = _create(1);
        // The app gives the third node different arguments under the same GUID.
        keys[2] = _createWith(_paramsFor(2, keccak256("poisoned args"), 0, bytes32(0)));
        _nextBlock();
        scores[0] = _score(1);
        scores[1] = _score(1);
        scores[2] = _score(2);
        for (uint256 i = 0; i < 3; ++i) {
            _submit(keys[i], scores[i]);
        }
        ITaskManager.GroupValidation memory g = _group(keys, _ids(), scores);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.CommitmentOpeningMismatch.selector, 2));
        g.argsHash = keccak256("poisoned args");
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.CommitmentOpeningMismatch.selector, 0));
        assertEq(address(pool).balance, 0);
    }

    function test_regression_defect7_seedIsUnknownAtCreationAndIndependentOfTheApp() public {
        bytes32 a = _createPending(_params(0));
        bytes32 b = _createPending(_paramsFor(1, keccak256("other args"), 0, bytes32(0)));
        assertEq(tm.samplingSeed(a), bytes32(0), "not readable in the creation block");
        uint256 created = block.number;
        _settle();
        assertEq(tm.samplingSeed(a), blockhash(created));
        assertEq(tm.samplingSeed(a), tm.samplingSeed(b), "the app's commitments do not enter the seed");
    }

    function test_regression_defect7_seedFoldedByTheNodeOutlivesTheBlockhash() public {
        keys = _createGroup();
        _nextBlock();
        for (uint256 i = 0; i < 3; ++i) {
            groupNodes[i] = _node(keys[i]);
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        vm.roll(block.number + 1000);
        assertEq(tm.samplingSeed(keys[0]), bytes32(0), "blockhash long gone, never recorded");
        ITaskManager.GroupValidation memory g = _group(keys, _ids(), scores);
        assertNotEq(g.seeds[0], bytes32(0));
        _validateGroup(g);
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
    }

    function test_validateTaskGroup_revertsOnAWrongSeed() public {
        ITaskManager.GroupValidation memory g = _scored();
        g.seeds[0] = keccak256("chosen seed");
        g.vrfProof = _proof(g.seeds[0], true);
        (g.uPoint, g.vComponents) = vrf.helpers(g.vrfProof);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.CommitmentOpeningMismatch.selector, 0));
    }

    function test_regression_defect7_sampledGroupAfterRecordedSeedValidates() public {
        keys[0] = _create(0);
        _nextBlock();
        bytes32 seed = tm.recordSamplingSeed(keys[0]);
        keys[1] = _create(1);
        keys[2] = _create(2);
        _nextBlock();
        // Slow nodes record their own seeds before the block hashes expire.
        tm.recordSamplingSeed(keys[1]);
        tm.recordSamplingSeed(keys[2]);
        vm.roll(block.number + 400);
        for (uint256 i = 0; i < 3; ++i) {
            groupNodes[i] = _node(keys[i]);
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        assertEq(tm.samplingSeed(keys[0]), seed);
        _validateGroup(_group(keys, _ids(), scores));
        _assertState(0, ITaskManager.TaskState.EndGroupSuccess);
    }
}
