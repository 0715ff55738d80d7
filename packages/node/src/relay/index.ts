export { type CreateHttpRelayClientParameters, createHttpRelayClient } from './createHttpRelayClient.js';
export type { RelayClient, ResultUpload, TaskArgsDownload } from './types.js';
