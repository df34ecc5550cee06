import { describe, expect, it } from "vitest";
import { exposedHostWarning, isLoopback, readConfig } from "./config.ts";

describe("where the app listens", () => {
  it("on 127.0.0.1:8000 by default, and ignores the generic HOST and PORT that containers set", () => {
    const config = readConfig({ HOST: "0.0.0.0", PORT: "3000" });
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(8000);
  });

  it("APP_HOST and APP_PORT move it; a bad APP_PORT is refused with its name", () => {
    expect(readConfig({ APP_HOST: "::1", APP_PORT: "8123" })).toMatchObject({ host: "::1", port: 8123 });
    expect(() => readConfig({ APP_PORT: "eighty" })).toThrow(/APP_PORT must be a port number/);
  });

  it("warns when it listens beyond this machine (anyone could spend the API key), not on loopback", () => {
    for (const host of ["127.0.0.1", "127.0.1.1", "::1", "localhost"]) {
      expect(isLoopback(host), host).toBe(true);
      expect(exposedHostWarning(host), host).toBeUndefined();
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.20"]) expect(isLoopback(host), host).toBe(false);
    expect(exposedHostWarning("0.0.0.0")).toMatch(/listens on 0\.0\.0\.0 \(APP_HOST\).*API key.*Unset APP_HOST/);
  });
});
