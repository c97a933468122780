import type { Response } from 'express';

/**
 * Content-Security-Policy of the console: scripts, styles, images and connections (HTTP and the
 * same-origin websocket; CSP 3 'self' covers ws:/wss: of the page's host) from the gateway's
 * origin only, nothing inline, no frames, no plugins. The console's bundle needs no more.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * GraphiQL from @graphql-yoga/render-graphiql is one HTML page with its JS, CSS and Monaco's
 * workers inlined: it needs inline scripts and styles, data: images and fonts, and blob: workers.
 * Still nothing from another origin.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Headers on every console and GraphiQL response. */
export function setSecurityHeaders(res: Response, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}
