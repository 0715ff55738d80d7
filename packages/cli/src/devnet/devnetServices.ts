import type { Deployment } from '@verinet/protocol/chain';
import type { DevnetPaths } from './devnetPaths.js';

/** What a service joining the devnet is given: the network it runs against. */
export type DevnetServiceContext = {
  paths: DevnetPaths;
  rpcUrl: string;
  relayUrl: string;
  deployment: Deployment;
  /** Nodes of this run. */
  nodes: { index: number; address: string; apiUrl: string }[];
  log: (line: string) => void;
};

export type StartedDevnetService = {
  /** Shown in the summary and written to network.json `services`. */
  url: string;
  /** Extra summary lines (how to use it). */
  notes?: string[] | undefined;
  /** Graceful stop; called in reverse start order, before the nodes, relay and chain stop. */
  stop: () => Promise<void>;
};

/**
 * A service started after the chain, relay and nodes are up (the OpenAI-compatible bridge, the web UI).
 */
export type DevnetService = {
  name: string;
  start: (context: DevnetServiceContext) => Promise<StartedDevnetService>;
};

/**
 * The services the devnet starts beyond chain, relay and nodes. To join the devnet, a package adds an entry
 * here (and nothing else in the devnet changes): it is started in order, listed in the summary and in
 * network.json, and stopped on Ctrl-C or on any failure.
 */
export const devnetServices: DevnetService[] = [];
