import type { IncomingMessage } from 'node:http';

/**
 * Which websocket handshakes a browser may make (cross-site websocket hijacking: browsers send
 * cookies and no CORS preflight for websockets, but always an Origin). No Origin (a non-browser
 * client), the gateway's own origin (Sandbox), or one of CORS_ORIGINS (`*` for any) may connect.
 */
export function websocketOriginCheck(origins: readonly string[]): (req: IncomingMessage) => boolean {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req) => {
    const origin = req.headers.origin;
    if (!origin || any || allowed.has(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };
}
