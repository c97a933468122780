import { Agent } from 'node:http';
import fetch, { type RequestInit } from 'node-fetch';

/**
 * The fetcher the gateway uses for subgraph calls: pooled keep-alive connections (a new TCP
 * connection per subgraph call costs more than the call) and a per-fetch timeout, so a hung
 * subgraph fails its own fields instead of holding the client's request forever.
 */
export function subgraphFetcher(timeoutMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  return (url: string, init?: RequestInit) => fetch(url, { ...init, agent, signal: AbortSignal.timeout(timeoutMs) } as RequestInit);
}
