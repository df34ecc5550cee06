import { describe, expect, it } from "vitest";
import { redactUrlCredentials, splitUrlCredentials } from "./url-credentials.ts";

describe("credentials in URLs", () => {
  it("are redacted wherever a URL appears in a text", () => {
    expect(redactUrlCredentials("Could not reach http://alice:s3cret@host:4000/v1/chat (refused)")).toBe("Could not reach http://***@host:4000/v1/chat (refused)");
    expect(redactUrlCredentials("a https://token@x.example and b http://u:p@y/z")).toBe("a https://***@x.example and b http://***@y/z");
    expect(redactUrlCredentials("http://host/path@not-credentials")).toBe("http://host/path@not-credentials");
    expect(redactUrlCredentials("no url here")).toBe("no url here");
  });

  it("are split off into a Basic authorization, the URL keeping its shape", () => {
    expect(splitUrlCredentials("http://alice:s%40cret@host:4000/v1")).toEqual({
      url: "http://host:4000/v1",
      authorization: `Basic ${Buffer.from("alice:s@cret").toString("base64")}`,
    });
    expect(splitUrlCredentials("http://host:4000/v1")).toEqual({ url: "http://host:4000/v1" });
    expect(splitUrlCredentials("not a url user:pw@x")).toEqual({ url: "not a url user:pw@x" });
  });
});
