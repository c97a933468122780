// Required untyped on purpose: its typings import graphql-yoga's, which pull the DOM library into
// the whole repo's type check (and change the type of Node's fetch). One function, typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderGraphiQL } = require('@graphql-yoga/render-graphiql') as { renderGraphiQL: (options: Record<string, unknown>) => string };

/** Where the console keeps the login credential (console/src/lib/session.ts). */
export const CONSOLE_CREDENTIAL_KEY = 'modelplane.console.credential';

const HEADERS_MARKER = '__MODELPLANE_CONSOLE_HEADERS__';

/**
 * GraphiQL for /graphiql, assets inlined (works offline). After a console login in the same tab the
 * Authorization header is filled in: the page reads the console's credential from session storage
 * (a few lines of inline script in front of GraphiQL's own), so the key never travels in a URL.
 */
export function graphiqlPage(endpoint = '/graphql'): string {
  const html = renderGraphiQL({
    title: 'Modelplane GraphiQL',
    endpoint,
    subscriptionsProtocol: 'WS',
    headers: HEADERS_MARKER,
    defaultQuery:
      '# Operations run against the Modelplane gateway.\n{\n  models {\n    name\n    productionVersion {\n      version\n    }\n  }\n}\n',
  });
  const readCredential =
    `(function () { try { var c = sessionStorage.getItem(${JSON.stringify(CONSOLE_CREDENTIAL_KEY)}); ` +
    `return c ? JSON.stringify({ Authorization: 'Bearer ' + c }, null, 2) : ''; } catch (e) { return ''; } })()`;
  return html.replace(JSON.stringify(HEADERS_MARKER), readCredential);
}
