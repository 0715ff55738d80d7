export {
  createTxSender,
  type SendParameters,
  TransactionRevertedError,
  type TxOutcome,
  type TxSender,
  type TxSenderParameters,
} from './createTxSender.js';
