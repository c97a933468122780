// Live data: subscriptions (graphql-ws) that either patch what is shown or ask a query to run
// again, and the link state that the "reconnecting" banner and catch-up refetches read.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useClient, type AnyVariables, type TypedDocumentNode } from 'urql';
import type { LinkState, LinkStatus } from './graphql';

/** Calls onData for every event of the subscription while the component is mounted. */
export function useStream<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  onData: (data: Data) => void,
): void {
  const client = useClient();
  const handler = useRef(onData);
  handler.current = onData;
  const key = JSON.stringify(variables);
  useEffect(() => {
    const { unsubscribe } = client.subscription(document, JSON.parse(key) as Variables).subscribe((result) => {
      if (result.data) handler.current(result.data);
    });
    return unsubscribe;
  }, [client, document, key]);
}

export function useLinkState(status: LinkStatus): LinkState {
  return useSyncExternalStore(status.subscribe, status.get);
}

/**
 * Runs `refetch` at most once per `delayMs` however many times it is asked (a burst of events
 * becomes one query), and once more whenever the websocket comes back (events may have been missed).
 */
export function useCoalescedRefetch(refetch: () => void, status: LinkStatus, delayMs = 250): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(refetch);
  latest.current = refetch;
  const state = useLinkState(status);
  const previous = useRef(state);
  useEffect(() => {
    if (previous.current === 'reconnecting' && state === 'connected') latest.current();
    previous.current = state;
  }, [state]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useRef(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, delayMs);
  }).current;
}
