import { createServer } from 'node:net';

/** A loopback URL nothing listens on (a port that was free a moment ago): calls to it are refused. */
export async function unreachableUrl(path = '/graphql'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
