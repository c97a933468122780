import type { LinkStatus } from '../lib/graphql';
import { useLinkState } from '../lib/live';

/** Shown while the websocket is down; it reconnects by itself (and the pages catch up). */
export function ConnectionBanner({ status }: { status: LinkStatus }) {
  const state = useLinkState(status);
  if (state === 'connected') return <div className="live-dot" data-testid="link-state" data-state="connected" title="live" />;
  return (
    <div className="banner" role="status" data-testid="link-state" data-state={state}>
      {state === 'reconnecting' ? 'Reconnecting… live updates are paused and resume by themselves.' : 'Connecting…'}
    </div>
  );
}
