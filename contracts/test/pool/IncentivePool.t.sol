// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {IncentivePool} from "../../src/pool/IncentivePool.sol";
import {Test} from "../utils/Test.sol";

contract IncentivePoolTest is Test {
    address internal owner = makeAddr("owner");
    IncentivePool internal pool;

    function setUp() public {
        pool = new IncentivePool(owner);
    }

    function test_depositSlashed_acceptsAndEmits() public {
        address registry = makeAddr("registry");
        address node = makeAddr("node");
        vm.deal(registry, 2 ether);
        vm.expectEmit(address(pool));
        emit IIncentivePool.SlashedStakeReceived(registry, node, 2 ether);
        vm.prank(registry);
        pool.depositSlashed{value: 2 ether}(node);
        assertEq(address(pool).balance, 2 ether);
    }

    function test_receive_acceptsPlainTransfers() public {
        address donor = makeAddr("donor");
        vm.deal(donor, 1 ether);
        vm.expectEmit(address(pool));
        emit IIncentivePool.Received(donor, 1 ether);
        vm.prank(donor);
        (bool ok,) = address(pool).call{value: 1 ether}("");
        assertTrue(ok);
        assertEq(address(pool).balance, 1 ether);
    }

    function test_spend_paysAndEmits() public {
        vm.deal(address(pool), 3 ether);
        address payable grantee = payable(makeAddr("grantee"));
        vm.expectEmit(address(pool));
        emit IIncentivePool.Spent(grantee, 1 ether, "bounty");
        vm.prank(owner);
        pool.spend(grantee, 1 ether, "bounty");
        assertEq(grantee.balance, 1 ether);
        assertEq(address(pool).balance, 2 ether);
    }

    function test_spend_revertsForNonOwner() public {
        vm.deal(address(pool), 1 ether);
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        pool.spend(payable(stranger), 1 ether, "");
    }

    function test_spend_revertsBeyondBalanceOrToZero() public {
        vm.deal(address(pool), 1 ether);
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IIncentivePool.IncentivePoolInsufficientBalance.selector, 1 ether, 2 ether)
        );
        pool.spend(payable(owner), 2 ether, "");
        vm.expectRevert(IIncentivePool.IncentivePoolZeroAddress.selector);
        pool.spend(payable(address(0)), 1, "");
        vm.stopPrank();
    }

    function test_spend_revertsWhenTheRecipientRefuses() public {
        vm.deal(address(pool), 1 ether);
        address payable refuser = payable(makeAddr("refuser"));
        vm.etch(refuser, hex"fe");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IIncentivePool.IncentivePoolTransferFailed.selector, refuser, 1 ether));
        pool.spend(refuser, 1 ether, "");
    }

    function test_transferOwnership_isTwoStep() public {
        address dao = makeAddr("dao");
        vm.prank(owner);
        pool.transferOwnership(dao);
        assertEq(pool.owner(), owner);
        vm.prank(dao);
        pool.acceptOwnership();
        assertEq(pool.owner(), dao);
    }
}
