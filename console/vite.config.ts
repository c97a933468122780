// Builds the console into console/dist (static assets the gateway serves at /console).
// Everything is bundled: no CDN, no web fonts, no request leaves the gateway's origin.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  resolve: {
    alias: {
      // The typed documents `npm run codegen` generates from schema/operations/ (type imports only at run time).
      '@generated': fileURLToPath(new URL('../packages/client/src/generated/graphql.ts', import.meta.url)),
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline data: URLs (the CSP allows 'self' only) and no modulepreload polyfill script.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  logLevel: 'warn',
});
