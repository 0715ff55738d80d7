export type { RelayClient, ResultUpload, TaskArgsDownload } from './types.js';
