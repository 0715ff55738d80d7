// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";

/// @notice The task identity and argument commitments are computed twice: by the app in TypeScript
/// (packages/protocol/src/commitment) and by TaskManager when it opens a validation group. Both replay
/// packages/protocol/src/commitment/vectors.json, written by the TypeScript, so they cannot drift apart.
contract CommitmentVectorsTest is TaskManagerTestBase {
    string private constant VECTORS = "../packages/protocol/src/commitment/vectors.json";

    function _json() private view returns (string memory) {
        return vm.readFile(VECTORS);
    }

    function _bytes32(string memory json, string memory key) private pure returns (bytes32) {
        bytes memory value = vm.parseJsonBytes(json, key);
        require(value.length == 32, string.concat(key, " is not 32 bytes"));
        return bytes32(value);
    }

    function _at(string memory list, uint256 index, string memory field) private pure returns (string memory) {
        return string.concat(list, "[", vm.toString(index), "]", field);
    }

    /// @dev taskIdCommitment = keccak256(abi.encodePacked(guid, nonce)), written as TaskManager._openMember does.
    function test_taskIdCommitments_matchTheTypeScript() public view {
        string memory json = _json();
        uint256 count;
        for (; vm.keyExistsJson(json, _at(".taskIdCommitments", count, "")); ++count) {
            bytes32 guid = _bytes32(json, _at(".taskIdCommitments", count, ".guid"));
            bytes32 nonce = _bytes32(json, _at(".taskIdCommitments", count, ".nonce"));
            assertEq(
                keccak256(abi.encodePacked(guid, nonce)),
                _bytes32(json, _at(".taskIdCommitments", count, ".taskIdCommitment")),
                string.concat("taskIdCommitments[", vm.toString(count), "]")
            );
        }
        assertGe(count, 5);
    }

    /// @dev argsCommitment = keccak256(abi.encodePacked(argsHash, salt)), written as TaskManager._openMember does.
    function test_argsCommitments_matchTheTypeScript() public view {
        string memory json = _json();
        uint256 count;
        for (; vm.keyExistsJson(json, _at(".argsCommitments", count, "")); ++count) {
            bytes32 argsHash = _bytes32(json, _at(".argsCommitments", count, ".argsHash"));
            bytes32 salt = _bytes32(json, _at(".argsCommitments", count, ".salt"));
            assertEq(
                keccak256(abi.encodePacked(argsHash, salt)),
                _bytes32(json, _at(".argsCommitments", count, ".argsCommitment")),
                string.concat("argsCommitments[", vm.toString(count), "]")
            );
        }
        assertGe(count, 3);
    }

    /// @dev argsHash = keccak256 of the canonical JSON bytes, byte for byte as the TypeScript wrote them.
    function test_argsHash_isKeccakOfTheCanonicalJsonBytes() public view {
        string memory json = _json();
        assertEq(keccak256(bytes(vm.parseJsonString(json, ".args.json"))), _bytes32(json, ".args.argsHash"));
    }

    /// @dev The real contract opens a group whose commitments the TypeScript computed: createTask takes the
    /// vectors' taskIdCommitment and argsCommitment, validateTaskGroup recomputes both from guid, nonces,
    /// argsHash and salts, and settles the group only if every construction agrees.
    function test_validateTaskGroup_opensTheTypeScriptGroup() public {
        ITaskManager.GroupValidation memory g = _playVectorGroup();
        _validateGroup(g);
        assertEq(uint256(_state(g.taskKeys[0])), uint256(ITaskManager.TaskState.EndGroupSuccess));
        assertEq(uint256(_state(g.taskKeys[1])), uint256(ITaskManager.TaskState.EndGroupRefund));
        assertEq(uint256(_state(g.taskKeys[2])), uint256(ITaskManager.TaskState.EndGroupRefund));
    }

    /// @dev Any other nonce or salt from the same vectors fails the opening: the check is not vacuous.
    function test_validateTaskGroup_refusesSwappedVectorSecrets() public {
        ITaskManager.GroupValidation memory g = _playVectorGroup();
        (g.nonces[1], g.nonces[2]) = (g.nonces[2], g.nonces[1]);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSignature("TaskIdOpeningMismatch(uint256)", 1));
        tm.validateTaskGroup(g);

        g = _playVectorGroupOpening(g.taskKeys);
        (g.salts[0], g.salts[2]) = (g.salts[2], g.salts[0]);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSignature("CommitmentOpeningMismatch(uint256)", 0));
        tm.validateTaskGroup(g);
    }

    /// @dev Creates the vectors' three tasks (the original, then two extra members a block later) with the
    /// commitments the TypeScript wrote, lets their nodes report the same score, and returns the opening.
    function _playVectorGroup() private returns (ITaskManager.GroupValidation memory) {
        string memory json = _json();
        bytes32[3] memory keys;
        for (uint256 i = 0; i < 3; ++i) {
            if (i == 1) _nextBlock();
            ITaskManager.CreateTaskParams memory p = _params(i);
            p.taskIdCommitment = _bytes32(json, _at(".validationGroup.members", i, ".taskIdCommitment"));
            p.argsCommitment = _bytes32(json, _at(".validationGroup.members", i, ".argsCommitment"));
            keys[i] = _createWith(p);
            assertEq(keys[i], p.taskIdCommitment, "the task key is the taskIdCommitment");
        }
        _nextBlock();
        for (uint256 i = 0; i < 3; ++i) {
            _submit(keys[i], _score(1));
            _nextBlock();
        }
        return _playVectorGroupOpening(keys);
    }

    function _playVectorGroupOpening(bytes32[3] memory keys)
        private
        view
        returns (ITaskManager.GroupValidation memory g)
    {
        string memory json = _json();
        g = _group(keys, [uint256(0), 1, 2], [_score(1), _score(1), _score(1)]);
        g.guid = _bytes32(json, ".validationGroup.guid");
        g.argsHash = _bytes32(json, ".validationGroup.argsHash");
        for (uint256 i = 0; i < 3; ++i) {
            g.nonces[i] = _bytes32(json, _at(".validationGroup.members", i, ".nonce"));
            g.salts[i] = _bytes32(json, _at(".validationGroup.members", i, ".salt"));
        }
    }
}
