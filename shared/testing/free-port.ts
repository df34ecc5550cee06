// A TCP port nothing listens on right now, picked by the OS: for servers the tests and the
// end-to-end suite start (Phoenix, the app), and as a "down" address where nothing answers.
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
