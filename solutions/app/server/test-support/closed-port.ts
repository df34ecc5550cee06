// A loopback URL where nothing listens: how the tests make Phoenix "down".
import { freePort } from "../../../../shared/testing/free-port.ts";

export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
